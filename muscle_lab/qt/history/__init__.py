"""What the window keeps of past episodes and shows of them: `browser` (the shown step and
ghost), `playback` (the clock of a replay in time), `timeline` (its slider and buttons) and
`view` (HistoryView: the history on the plots, the timeline and the body)."""
