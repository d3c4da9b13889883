"""Excitation vectors: NaN, infinity and wrong lengths are refused; out-of-range is clipped."""

from __future__ import annotations

import math

import numpy as np
import pytest

from muscle_lab.core.excitations import ExcitationError, check_excitations, parse_excitations

NAMES = ("a_r", "b_r", "c_l")


def test_values_in_range_pass_unchanged():
    values, notes = check_excitations([0.0, 0.5, 1.0], NAMES)
    assert values.tolist() == [0.0, 0.5, 1.0]
    assert notes == []


def test_out_of_range_values_are_clipped_with_a_note_each():
    values, notes = check_excitations([-0.5, 0.2, 1.5], NAMES)
    assert values.tolist() == [0.0, 0.2, 1.0]
    assert notes == [
        "excitation 0 (a_r) = -0.5 is outside [0, 1], clipped to 0",
        "excitation 2 (c_l) = 1.5 is outside [0, 1], clipped to 1",
    ]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(bad):
    with pytest.raises(ExcitationError, match=rf"excitation 1 \(b_r\) is {bad}; values must be finite"):
        check_excitations([0.0, bad, 0.0], NAMES)


@pytest.mark.parametrize("values", [[0.0, 0.0], [0.0] * 4, []])
def test_wrong_length_is_refused(values):
    with pytest.raises(ExcitationError, match=rf"expected 3 excitations \(one per muscle\), got {len(values)}"):
        check_excitations(values, NAMES)


def test_non_numbers_are_refused():
    with pytest.raises(ExcitationError, match="excitations must be numbers"):
        check_excitations(["x", 0, 0], NAMES)
    with pytest.raises(ExcitationError, match=r"expected 3 excitations"):
        check_excitations(np.zeros((3, 1)), NAMES)


def test_parse_comma_separated_text():
    assert parse_excitations("0, 0.5,1") == [0.0, 0.5, 1.0]
    assert parse_excitations("[1,0]") == [1.0, 0.0]
    with pytest.raises(ExcitationError, match="excitation 1 is not a number: 'abc'"):
        parse_excitations("0,abc")
    with pytest.raises(ExcitationError, match="no excitations given"):
        parse_excitations("  ")


@pytest.mark.parametrize("text", ["0_5", "1_000", "0x1", "\u0661", "1e", ".", "1.5.2", "--1", "0.5f", "inf0"])
def test_only_plain_decimal_numbers_parse(text):
    with pytest.raises(ExcitationError) as caught:
        parse_excitations(f"0,{text},1")
    assert str(caught.value) == f"excitation 1 is not a number: {text!r}"


def test_signs_points_and_exponents_parse():
    assert parse_excitations("-1, +.5, 1., 2e-1, 1E0") == [-1.0, 0.5, 1.0, 0.2, 1.0]


def test_nan_and_infinity_parse_and_the_check_refuses_them_by_muscle():
    values = parse_excitations("0, NaN, -inf")
    assert math.isnan(values[1]) and values[2] == -math.inf
    with pytest.raises(ExcitationError) as caught:
        check_excitations(values, NAMES)
    assert str(caught.value) == "excitation 1 (b_r) is nan; values must be finite numbers in [0, 1]"
