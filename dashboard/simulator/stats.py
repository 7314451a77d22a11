"""What the simulation counts: every request's latency and status, the outcomes of the saves,
and the unexpected problems that make the run fail. Shared by every operator thread."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

# Outcome counters, in the order the report prints them.
OUTCOMES = (
    ("turnout.saved", "báo cáo tiến độ đã lưu"),
    ("turnout.unchanged", "gửi lại, không đổi"),
    ("turnout.corrected", "bị từ chối (số không thể có) rồi sửa và lưu"),
    ("turnout.warned", "cảnh báo được xác nhận kèm lý do"),
    ("turnout.late", "xã muộn: bị từ chối T05, lưu sau khi được gia hạn"),
    ("opening.saved", "giờ khai mạc đã lưu"),
    ("sheet.saved", "biên bản kiểm phiếu đã lưu"),
    ("sheet.unchanged", "biên bản gửi lại, không đổi"),
    ("sheet.corrected", "biên bản bị từ chối rồi sửa và lưu"),
    ("sheet.warned", "biên bản có cảnh báo được xác nhận"),
    ("exception.granted", "gia hạn nhập muộn (cấp tỉnh)"),
    ("closure.requested", "xã đề nghị kết thúc nhập liệu"),
    ("closure.confirmed", "cấp tỉnh xác nhận kết thúc"),
    ("throttled", "bị giới hạn tần suất (429), gửi lại sau"),
)


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (``p`` in 0–100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, math.ceil(p / 100 * len(ordered)) - 1)
    return ordered[k]


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    outcomes: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    errors_by_status: Counter[int] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, kind: str, seconds: float, status: int) -> None:
        with self._lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1

    def count(self, outcome: str, n: int = 1) -> None:
        with self._lock:
            self.outcomes[outcome] += n

    def unexpected(self, status: int, message: str) -> None:
        """A 5xx, a refused good submission, a lost save: the run fails."""
        with self._lock:
            self.errors_by_status[status] += 1
            self.problems.append(f"[{status}] {message}")

    def judged(self, status: int, message: str) -> None:
        """A wrong answer an operator noticed (a good figure refused, a lost save). A 5xx or
        no answer at all is already counted where it happened, in the transport."""
        if status != 0 and status < 500:
            self.unexpected(status, message)

    @property
    def failed(self) -> bool:
        return bool(self.problems)

    def requests_total(self) -> int:
        with self._lock:
            return sum(len(v) for v in self.latencies.values())

    def snapshot(self) -> tuple[int, Counter[str], int]:
        """(requests so far, outcomes, unexpected problems) for the running summary."""
        with self._lock:
            total = sum(len(v) for v in self.latencies.values())
            return total, Counter(self.outcomes), len(self.problems)

    def report(self, seconds: float | None = None) -> list[str]:
        """The final report, one line per figure."""
        with self._lock:
            elapsed = seconds if seconds is not None else time.monotonic() - self.started
            total = sum(len(v) for v in self.latencies.values())
            lines = ["Kết quả mô phỏng:"]
            for key, label in OUTCOMES:
                if self.outcomes.get(key):
                    lines.append(f"  {key:<18} {label:<50} {self.outcomes[key]:>8,}")
            rate = total / max(elapsed, 1e-9)
            lines.append(
                f"  {'requests':<18} {'yêu cầu HTTP':<50} {total:>8,}"
                f"  ({rate:,.1f}/s trong {elapsed:,.1f} s)"
            )
            lines.append("  Độ trễ theo loại (ms): số yêu cầu, p50, p95, p99, mã trạng thái")
            for kind in sorted(self.latencies):
                values = self.latencies[kind]
                codes = ", ".join(f"{c}×{n}" for c, n in sorted(self.statuses[kind].items()))
                lines.append(
                    f"    {kind:<16} {len(values):>7,}  {percentile(values, 50) * 1000:>7.1f}"
                    f" {percentile(values, 95) * 1000:>7.1f} {percentile(values, 99) * 1000:>7.1f}"
                    f"  {codes}"
                )
            if self.problems:
                by_status = ", ".join(f"{c}: {n}" for c, n in sorted(self.errors_by_status.items()))
                lines.append(f"  LỖI NGOÀI DỰ KIẾN: {len(self.problems)} ({by_status})")
                lines += [f"    {p}" for p in self.problems[:20]]
                if len(self.problems) > 20:
                    lines.append(f"    … và {len(self.problems) - 20} lỗi khác")
            else:
                lines.append("  Không có lỗi ngoài dự kiến.")
            return lines
