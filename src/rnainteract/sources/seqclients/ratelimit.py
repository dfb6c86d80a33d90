"""A client-side rate limiter: at most ``max_per_s`` request starts in any 1-second window."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

# Extra room added to the limiter's 1-second window so that network jitter never lets the server
# count more than ``max_per_s`` request arrivals in one of its own 1-second windows.
_RATE_WINDOW_MARGIN_S = 0.05


class RateLimiter:
    """At most ``max_per_s`` request starts in any sliding 1-second window.

    With ``max_per_s >= 1`` the limiter allows ``floor(max_per_s)`` starts per window of 1 s plus
    a 50 ms margin (network jitter); below 1, one start per ``1 / max_per_s`` seconds. Not
    thread-safe (one limiter per fetch).

    Args:
        max_per_s: requests per second (> 0).
        clock: monotonic clock in seconds (injectable for tests).
        sleep: sleep function taking seconds (injectable for tests).

    Raises:
        ValueError: ``max_per_s`` is not positive.
    """

    def __init__(
        self,
        max_per_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not max_per_s > 0:
            raise ValueError(f"max_per_s must be > 0, got {max_per_s!r}")
        self.max_per_s = float(max_per_s)
        if max_per_s >= 1:
            self._capacity = int(max_per_s)
            self._window = 1.0 + _RATE_WINDOW_MARGIN_S
        else:
            self._capacity = 1
            self._window = 1.0 / max_per_s + _RATE_WINDOW_MARGIN_S
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()

    def wait(self) -> None:
        """Block until one more request may start, and record its start."""
        while True:
            now = self._clock()
            # 1 ns tolerance: clock + sleep arithmetic must not leave a start stuck at the edge
            while self._starts and now - self._starts[0] >= self._window - 1e-9:
                self._starts.popleft()
            if len(self._starts) < self._capacity:
                self._starts.append(now)
                return
            self._sleep(self._starts[0] + self._window - now)
