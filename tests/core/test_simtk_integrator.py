"""Faithful mode's CPodes stops at every step's end with its order at most 3, through Simbody calls
OpenSim's API does not expose (core.simtk_integrator); where they are missing, it falls back."""

from __future__ import annotations

import opensim
import pytest

from muscle_lab.bench.simulation import deviations, random_actions, run_mode, run_reference
from muscle_lab.core.simulation import simtk_integrator
from muscle_lab.core.simulation.engine import Simulation, apply_integrator
from muscle_lab.core.simulation.integrator import FAITHFUL, FALLBACK_ACCURACY, REFERENCE

HIP_THRUST = [1.0 if i in (2, 4, 10, 12) else 0.0 for i in range(19)]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [5, 7])
def test_faithful_mode_follows_osim_rl_with_a_new_random_action_every_step(seed):
    """Seeds 5 and 7 left the bounds (2.52 mm / 1.27 deg, 1.95 mm / 1.46 deg) while CPodes
    interpolated back from past each step's end: a new action acted up to one internal step late."""
    names = Simulation(integrator=REFERENCE).joint_angle_names
    reference = run_reference(random_actions(seed)(), 1.0, names)
    faithful = run_mode(FAITHFUL, random_actions(seed)(), 1.0)
    height_mm, angle_deg = deviations(faithful, reference)
    assert faithful.steps == reference.steps
    assert height_mm <= 5.0 and angle_deg <= 1.0


def counted_realizations(interpolate: bool, order_limit: int | None) -> int:
    simulation = Simulation(integrator=FAITHFUL)
    simulation.set_excitations(HIP_THRUST)
    model = simulation.loaded.model
    simulation.loaded.set_controls(HIP_THRUST)
    manager = opensim.Manager(model)
    manager.setIntegratorMethod(opensim.Manager.IntegratorMethod_CPodes)
    manager.setIntegratorAccuracy(FAITHFUL.accuracy)
    simtk_integrator.tweak_cpodes(manager, interpolate, order_limit)
    manager.initialize(simulation.state)
    for step in range(1, 11):
        manager.integrate(step * 0.01)
    return simtk_integrator.realizations(manager)


def test_the_calls_reach_the_managers_cpodes():
    assert simtk_integrator.tweaks_unavailable() is None
    manager = opensim.Manager(Simulation().loaded.model)
    apply_integrator(manager, FAITHFUL)
    assert simtk_integrator.method_name(manager) == "CPodesBDF"
    # The calls change what the integrator does: with a constant action, stopping at each of ten
    # step ends costs more evaluations than stepping past them (with new actions it saves them: the
    # benchmark). The counts are exact, read from the integrator the calls were made on.
    assert counted_realizations(False, 3) > counted_realizations(True, None)


def test_another_integrator_is_refused_before_any_call():
    manager = opensim.Manager(Simulation(integrator=REFERENCE).loaded.model)
    apply_integrator(manager, REFERENCE)
    with pytest.raises(RuntimeError, match="the Manager's integrator is RungeKuttaMerson, not CPodesBDF"):
        simtk_integrator.tweak_cpodes(manager, False, 3)


def test_without_the_calls_faithful_mode_falls_back_with_one_message(monkeypatch):
    monkeypatch.setattr(simtk_integrator, "_load", lambda: "OpenSim 4.7 is not the 4.6 series")
    simulation = Simulation(integrator=FAITHFUL)
    assert simulation.integrator.accuracy == FALLBACK_ACCURACY
    assert simulation.integrator.interpolate and simulation.integrator.order_limit is None
    expected = (
        "faithful mode runs CPodes at 5e-05 with interpolation, slower and less faithful to time-varying "
        "actions: OpenSim 4.7 is not the 4.6 series"
    )
    assert simulation.start_warnings[-1] == expected
    assert simulation.step().error is None
