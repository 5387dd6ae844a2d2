"""Target 5: crowds, over the websocket as browsers talk to Streamlit, against one `streamlit run` on the real store.

- A learning event: PHONES phones join /pulse at their own moment (scanning the code) and tap an answer after a
  few seconds' reading, all within one minute, while a projector shows the live count. Measured: each phone's tap
  to "Answer recorded" (p95 <= 1 s), and how long each
  confirmed answer takes to show in the projector's count (p95 <= 2 s).
- Funders: FUNDERS sessions open / at the same moment; p95 full run <= 2x one session alone. Beside it, the CPU the
  crowd's runs took (servers and simulated browsers) and the least time that CPU needs on all this machine's cores, and
  the same crowd against a trivial one-chart app (a control: what Streamlit alone gives here).
- Beyond the target, a burst: the same PHONES join at one instant and tap at another (an informative row; its
  stored count shows any phone that failed).

Each session speaks Streamlit's own protocol (BackMsg / ForwardMsg protobufs on /_stcore/stream), including the
projector's live fragments re-run at the interval the server asks for. SYNTHETIC phones, never stored beyond a
scratch folder. Run: .venv/bin/python -m benchmarks.bench_crowd
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.bench_pages import TRIVIAL
from benchmarks.report import Row, median, p95, print_table, server_cpu_s
from benchmarks.scale_data import real_store
from pbsa_analytics import cluster, settings
from pbsa_analytics.presentation.deck import load_deck
from pbsa_analytics.store.pulse import PulseStore
from tests.browser.conftest import running_app

PHONES = int(os.environ.get("PBSA_BENCH_PHONES", "100"))
FUNDERS = int(os.environ.get("PBSA_BENCH_FUNDERS", "20"))
WINDOW_S = 60.0
READING_S = (2.0, 8.0)  # seconds a participant reads the question before tapping
ANSWER_GOAL_S = 1.0
PROJECTOR_GOAL_S = 2.0
FUNDER_RATIO_GOAL = 2.0
DECK, QUESTION, SLIDE = "cohort-meeting", "build_next", 6
COUNT = re.compile(r"(\d+) answers? so far")


@dataclass
class Session:
    """One browser tab's websocket: send a rerun, read messages until the run (or fragment run) finishes."""

    url: str
    page: str
    query: str
    socket: websockets.ClientConnection | None = None
    page_hash: str = ""
    fragments: dict[str, float] = field(default_factory=dict)  # live fragment id -> its interval in seconds
    texts: list[str] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)  # label -> widget id

    async def connect(self) -> None:
        address = self.url.replace("http://", "ws://") + "/_stcore/stream"
        self.socket = await websockets.connect(address, subprotocols=["streamlit"], max_size=None)

    async def run(self, *, trigger: str = "", fragment: str = "") -> float:
        """Ask for a run (with a button pressed, or one fragment) and return the seconds until it finished."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string, state.page_name, state.page_script_hash = self.query, self.page, self.page_hash
        if trigger:
            widget = state.widget_states.widgets.add()
            widget.id, widget.trigger_value = trigger, True
        if fragment:
            state.fragment_id, state.is_auto_rerun = fragment, True
        began = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        await self._until_finished()
        return time.perf_counter() - began

    async def _until_finished(self) -> None:
        self.texts = []
        while True:
            forward = ForwardMsg()
            forward.ParseFromString(await self.socket.recv())
            kind = forward.WhichOneof("type")
            if kind == "navigation":  # st.navigation names the page that ran; later runs ask for it again
                self.page_hash = forward.navigation.page_script_hash
            elif kind == "auto_rerun":
                self.fragments[forward.auto_rerun.fragment_id] = forward.auto_rerun.interval
            elif kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                self._read(forward.delta.new_element)
            elif kind == "script_finished" and forward.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return  # a run cut short for another (a queued rerun) is not the end of what was asked

    def _read(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "button":
            self.buttons[element.button.label] = element.button.id
        elif kind in ("html", "alert", "markdown", "text"):
            self.texts.append(getattr(element, kind).body)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.socket.close()


def _options() -> list[str]:
    """The question's options as worded in the deck: the buttons a phone may tap (the sidebar has others)."""
    return list(load_deck(decks_dir=settings.data_dir() / "decks", name=DECK).questions[QUESTION].options)


async def _phone(url: str, code: str, *, plan: tuple[float, float, int], start: float, confirmed: list[float],
                 latencies: list[float]) -> None:  # fmt: skip
    """One phone: scan the code at its moment, read the question for a while, tap an option; time the tap."""
    at_s, reading_s, number = plan
    await asyncio.sleep(max(0.0, start + at_s - time.perf_counter()))
    phone = Session(url, "pulse", f"code={code}")
    await phone.connect()
    await phone.run()
    options = _options()
    await asyncio.sleep(reading_s)
    took = await phone.run(trigger=phone.buttons[options[number % len(options)]])
    if not any("Answer recorded" in text for text in phone.texts):
        raise RuntimeError(f"a phone's answer was not recorded: {phone.texts}")
    latencies.append(took)
    confirmed.append(time.perf_counter())
    await phone.close()


def _plans(*, burst: bool) -> list[tuple[float, float, int]]:
    """(join moment, reading time, number) per phone: spread over the minute from one seeded generator, or, for
    the burst, every phone joining at one instant and tapping at another (a worst case, beyond the target's)."""
    if burst:
        return [(0.0, READING_S[0], number) for number in range(PHONES)]
    chance = random.Random(7)
    latest = WINDOW_S - READING_S[1] - 2  # every answer lands within the minute
    return [(chance.uniform(0, latest), chance.uniform(*READING_S), number) for number in range(PHONES)]


async def _projector(url: str, stop: asyncio.Event, seen: list[tuple[float, int]]) -> None:
    """The projected slide: reruns its live fragments at the interval the server asked for, noting each count."""
    screen = Session(url, "present", f"deck={DECK}&slide={SLIDE}")
    await screen.connect()
    await screen.run()
    while not stop.is_set():
        for fragment, interval in list(screen.fragments.items()):
            await asyncio.sleep(interval / max(len(screen.fragments), 1))
            await screen.run(fragment=fragment)
            counts = [int(m.group(1)) for text in screen.texts for m in COUNT.finditer(text)]
            if counts:
                seen.append((time.perf_counter(), max(counts)))
    await screen.close()


async def _room(url: str, code: str, *, earlier: int, burst: bool = False) -> tuple[list[float], list[float]]:
    """Phones answering over the minute (or in one burst) while the projector polls; `earlier` answers were on
    screen already."""
    confirmed: list[float] = []
    latencies: list[float] = []
    seen: list[tuple[float, int]] = []
    stop = asyncio.Event()
    projector = asyncio.create_task(_projector(url, stop, seen))
    start = time.perf_counter()
    plans = _plans(burst=burst)
    phones = [_phone(url, code, plan=plan, start=start, confirmed=confirmed, latencies=latencies) for plan in plans]
    # In the burst (beyond the target) a phone that fails is counted in its row rather than ending the benchmark.
    outcomes = await asyncio.gather(*phones, return_exceptions=burst)
    failed = sum(isinstance(outcome, BaseException) for outcome in outcomes)
    if failed:
        print(f"burst: {failed} of {PHONES} phones failed: {next(o for o in outcomes if isinstance(o, BaseException))}")
    await asyncio.sleep(PROJECTOR_GOAL_S * 2)
    stop.set()
    await projector
    lags = []
    for number, at in enumerate(sorted(confirmed), start=1):
        shown = next((when for when, count in seen if when >= at and count >= earlier + number), None)
        lags.append((shown - at) if shown is not None else float("inf"))
    return latencies, lags


async def _warm(url: str) -> None:
    """Open / once on a process, as its first visitor would, so 'alone' measures a warm process."""
    first = Session(url, "", "")
    await first.connect()
    await first.run()
    await first.close()


@dataclass(frozen=True)
class FunderTimes:
    """One session of / alone (median), FUNDERS at once (p95), and the CPU the crowd's runs cost, in seconds."""

    alone_s: float
    crowd_s: float
    server_cpu_s: float  # every Streamlit process, for the FUNDERS runs together
    client_cpu_s: float  # this process: the FUNDERS simulated browsers reading what they are sent

    def floor_s(self) -> float:
        """The least time the crowd's runs could take on this machine with this code: the CPU they used (measured
        during the crowd, so it includes what contention itself costs) spread perfectly over every core."""
        return (self.server_cpu_s + self.client_cpu_s) / (os.cpu_count() or 1)


def _own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


async def _funders(url: str, *, processes: list[str]) -> FunderTimes:
    """Median of one session alone, then p95 of FUNDERS sessions opening / at the same moment, with the CPU time the
    crowd's runs took in the servers and in this process.

    Every process (reached directly, not through the proxy) is warmed first: otherwise "alone" would time
    whichever cold process the proxy happened to pick.
    """
    for process in processes:
        await _warm(process)
    alone = []
    for _ in range(3):
        one = Session(url, "", "")
        await one.connect()
        alone.append(await one.run())
        await one.close()
    crowd = [Session(url, "", "") for _ in range(FUNDERS)]
    await asyncio.gather(*(session.connect() for session in crowd))
    ports = [int(process.rsplit(":", 1)[1]) for process in processes]
    server_before, client_before = server_cpu_s(ports), _own_cpu_s()
    took = await asyncio.gather(*(session.run() for session in crowd))
    server_cpu, client_cpu = server_cpu_s(ports) - server_before, _own_cpu_s() - client_before
    await asyncio.gather(*(session.close() for session in crowd))
    return FunderTimes(alone_s=median(alone), crowd_s=p95(list(took)), server_cpu_s=server_cpu, client_cpu_s=client_cpu)


def _rows(where: str, *, funders: FunderTimes, latencies: list[float], lags: list[float],
          answers: int) -> list[Row]:  # fmt: skip
    alone_s, crowd_s, floor_s = funders.alone_s, funders.crowd_s, funders.floor_s()
    return [
        Row(f"{where}: {PHONES} phones, tap to 'Answer recorded' p95", f"{p95(latencies) * 1000:.0f} ms",
            f"<= {ANSWER_GOAL_S * 1000:.0f} ms", met=p95(latencies) <= ANSWER_GOAL_S),
        Row(f"{where}: projector count current after an answer, p95", f"{p95(lags) * 1000:.0f} ms",
            f"<= {PROJECTOR_GOAL_S * 1000:.0f} ms", met=p95(lags) <= PROJECTOR_GOAL_S),
        Row(f"{where}: answers stored / phones", f"{answers} / {PHONES}", "all", met=answers == PHONES),
        Row(f"{where}: {FUNDERS} funders on / at once, p95 (one alone {alone_s * 1000:.0f} ms)",
            f"{crowd_s * 1000:.0f} ms", "-", crowd_s / alone_s, f"<= {FUNDER_RATIO_GOAL}x",
            crowd_s / alone_s <= FUNDER_RATIO_GOAL),
        # What this code's CPU allows on these cores; the control row (a trivial app) is what Streamlit alone allows.
        Row(f"{where}: this code's CPU per / session in the crowd: server / client",
            f"{funders.server_cpu_s / FUNDERS * 1000:.0f} / {funders.client_cpu_s / FUNDERS * 1000:.0f} ms",
            "(machine)"),
        Row(f"{where}: least time that CPU needs for all {FUNDERS} on all {os.cpu_count()} cores",
            f"{floor_s * 1000:.0f} ms", "(machine)", floor_s / alone_s, f"<= {FUNDER_RATIO_GOAL}x"),
    ]  # fmt: skip


def _crowds(url: str, store_dir: Path, *, where: str, processes: list[str]) -> list[Row]:
    """Funders, then a room of phones with a projector, then the same room in one burst, against one URL; answers
    are counted for each room only."""
    pulses = PulseStore(store_dir)
    code = pulses.open_question(deck=DECK, question_id=QUESTION, by="benchmark", slide=SLIDE)
    earlier = pulses.answer_count(code)  # the question keeps its code, so an earlier room's answers are there
    funders = asyncio.run(_funders(url, processes=processes))
    latencies, lags = asyncio.run(_room(url, code, earlier=earlier))
    rows = _rows(where, funders=funders, latencies=latencies, lags=lags,
                 answers=pulses.answer_count(code) - earlier)  # fmt: skip
    earlier = pulses.answer_count(code)
    burst, burst_lags = asyncio.run(_room(url, code, earlier=earlier, burst=True))
    stored = pulses.answer_count(code) - earlier
    rows.append(
        Row(f"{where}: burst, all {PHONES} tap at once: p95 tap / count ({stored} stored)",
            f"{p95(burst) * 1000:.0f} / {p95(burst_lags) * 1000:.0f} ms", "(beyond)", met=None)
    )  # fmt: skip
    return rows


def _control_rows(scratch: Path, *, db_path: Path) -> list[Row]:
    """The funders' crowd against a trivial one-chart app (bench_pages' floor page) on one process: what Streamlit
    itself gives on this machine, whatever the app does."""
    script = scratch / "trivial.py"
    script.write_text(TRIVIAL)
    with running_app(db_path=db_path, log_path=scratch / "trivial.log", script=script) as url:
        control = asyncio.run(_funders(url, processes=[url]))
    return [
        Row(f"control, a trivial one-chart app: {FUNDERS} at once, p95 (one alone {control.alone_s * 1000:.0f} ms)",
            f"{control.crowd_s * 1000:.0f} ms", "(control)", control.crowd_s / control.alone_s,
            f"<= {FUNDER_RATIO_GOAL}x"),
    ]  # fmt: skip


def main() -> None:
    workers = max(2, os.cpu_count() or 2)
    with tempfile.TemporaryDirectory(prefix="pbsa-crowd-") as scratch:
        made = real_store(Path(scratch))
        store_dir = Path(scratch) / "store"
        env = {"PBSA_STORE_DIR": str(store_dir)}
        rows = _control_rows(Path(scratch), db_path=made.db_path)
        with running_app(db_path=made.db_path, log_path=Path(scratch) / "server.log", extra_env=env) as url:
            rows += _crowds(url, store_dir, where="1 process", processes=[url])
        # The same crowds through nginx to several processes sharing the one store and pulse answers.
        env["PBSA_DB_PATH"] = str(made.db_path)
        group = cluster.start(workers=workers, port=cluster.free_port(), run_dir=Path(scratch) / "cluster", env=env)
        try:
            direct = [f"http://127.0.0.1:{port}" for port in group.worker_ports]
            rows += _crowds(group.url, store_dir, where=f"{workers} processes + nginx", processes=direct)
        finally:
            group.stop()
    print_table(f"Target 5: crowds over the websocket (SYNTHETIC phones; this machine has {os.cpu_count()} cores)",
                rows)  # fmt: skip


if __name__ == "__main__":
    main()
