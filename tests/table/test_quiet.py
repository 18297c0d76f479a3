"""Background work waits for a moment without filters or sorts (`table.quiet.Quiet`)."""

from __future__ import annotations

from intune_tui.table.quiet import Quiet


class Clock:
    """A clock that moves only when slept on; at each time in `touches` the user filters
    again (while a worker sleeps)."""

    def __init__(self, touches: list[float] | None = None) -> None:
        self.now = 100.0
        self.slept: list[float] = []
        self.touches = sorted(touches or [])
        self.quiet: Quiet | None = None

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        end = self.now + seconds
        while self.touches and self.touches[0] <= end:
            self.now = self.touches.pop(0)
            assert self.quiet is not None
            self.quiet.touch()
        self.now = end


def quiet_on(clock: Clock) -> Quiet:
    quiet = Quiet(0.5, clock=clock, sleep=clock.sleep)
    clock.quiet = quiet
    return quiet


def test_a_table_nobody_filtered_is_quiet_at_once() -> None:
    clock = Clock()
    assert quiet_on(clock).wait() is True
    assert clock.slept == []


def test_the_wait_ends_half_a_second_after_the_last_keystroke() -> None:
    clock = Clock(touches=[100.3, 100.6])
    quiet = quiet_on(clock)
    quiet.touch()  # a keystroke at 100.0, two more while waiting
    assert quiet.wait() is True
    assert clock.now == 101.1
    assert quiet.quiet_for() >= 0.5


def test_a_wait_with_a_limit_gives_up_while_the_user_keeps_typing() -> None:
    clock = Clock(touches=[100.2 + 0.3 * n for n in range(20)])
    quiet = quiet_on(clock)
    quiet.touch()
    assert quiet.wait(at_most=2.0) is False
    assert clock.now == 102.0


def test_pacing_waits_while_the_user_types_but_not_for_ever() -> None:
    clock = Clock(touches=[100.3])
    quiet = quiet_on(clock)
    quiet.pace()  # nobody typed: no wait
    assert clock.slept == []
    quiet.touch()
    quiet.pace()  # a keystroke at 100.0, another at 100.3: the work goes on at 100.8
    assert clock.now == 100.8
    clock.touches = [100.8 + 0.3 * n for n in range(1, 20)]
    quiet.touch()
    quiet.pace()  # typing on and on: a page at a time still goes through
    assert clock.now == 101.8
