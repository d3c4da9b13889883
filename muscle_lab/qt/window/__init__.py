"""The window's own parts, which `main_window.MainWindow` builds and lays out: toolbars, menus,
status bar, the redraw timer, keyboard focus and the settings kept between launches."""
