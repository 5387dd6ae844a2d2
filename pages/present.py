"""Present (/present?deck=learning-event&slide=3): the projected slide, and the presenter view (&view=presenter)."""

import time

import streamlit as st

from pbsa_analytics import exports, settings
from pbsa_analytics.charts.theme import ProjectorTheme
from pbsa_analytics.presentation.deck import (
    MISSING_CONDITION,
    Deck,
    DeckError,
    Slide,
    UnknownDeckError,
    list_decks,
    load_deck,
)
from pbsa_analytics.services import pulse as room
from pbsa_analytics.store.pulse import PulseError
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.auth import current_principal
from pbsa_analytics.ui.citations import cite_row
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.room import (
    big_join,
    deck_list,
    forget_presenter,
    join_bar,
    keys_and_viewport,
    presenter_cookie,
    remember_presenter,
    slide_box,
    slide_note,
    source_footer,
)
from pbsa_analytics.ui.slides import cohort_note, pulse_chart, pulse_store, question_of, slide_chart

LIVE_REFRESH_S = 1.0
DECKS_DIR = settings.data_dir() / "decks"

# Constant styling only (no data): hide Streamlit's chrome, projector type, the footer bar, both themes.
PROJECTED_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 16px 48px 0 48px !important; max-width: 100% !important;}
[data-testid="stAppViewContainer"], [data-testid="stMain"] {background: var(--pbsa-bg) !important;}
[data-testid="stMainBlockContainer"] h1 {font-size: var(--pbsa-title) !important; line-height: 1.2 !important;
  color: var(--pbsa-fg) !important; padding: 0 0 8px 0 !important; font-weight: 700 !important;}
[data-testid="stMainBlockContainer"] p {color: var(--pbsa-fg);}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {gap: 0.5rem;}
.pbsa-footer {position: fixed; left: 0; right: 0; bottom: 0; height: 64px; display: flex; align-items: center;
  justify-content: space-between; padding: 0 48px; font-size: 20px; z-index: 10;}
.pbsa-footer.pbsa-light {background: #F3F2F1; color: #0B0C0C; border-top: 2px solid #0B0C0C;}
.pbsa-footer.pbsa-dark {background: #1D1E1E; color: #FFFFFF; border-top: 2px solid #FFFFFF;}
.pbsa-source {font-size: 17px; line-height: 1.25; max-width: 55%; overflow: hidden; display: -webkit-box;
  -webkit-line-clamp: 2; -webkit-box-orient: vertical;}
.pbsa-join {display: flex; align-items: center; gap: 12px; font-size: 24px; white-space: nowrap; flex-shrink: 0;}
.pbsa-join-code {font-size: 34px; font-weight: 800; letter-spacing: 0.15em;}
.pbsa-qr {height: 56px; width: 56px; background: #FFFFFF; padding: 2px;}
.pbsa-big-join {display: flex; align-items: center; gap: 48px; color: var(--pbsa-fg);}
.pbsa-big-join p {font-size: 36px !important;}
.pbsa-big-qr {height: 38vh; width: 38vh; background: #FFFFFF; padding: 8px;}
.pbsa-code {font-size: 120px; font-weight: 800; letter-spacing: 0.2em; color: var(--pbsa-accent);}
.pbsa-wait, .pbsa-count {font-size: 32px; color: var(--pbsa-fg);}
.pbsa-note {font-size: 22px !important; line-height: 1.3; margin: 0 !important; color: var(--pbsa-fg);}
.pbsa-count {font-weight: 700;}
</style>
"""
THEME_CSS = {
    ProjectorTheme.LIGHT: "<style>:root {--pbsa-bg: #FFFFFF; --pbsa-fg: #0B0C0C; --pbsa-accent: #12436D;}</style>",
    ProjectorTheme.DARK: "<style>:root {--pbsa-bg: #0B0C0C; --pbsa-fg: #FFFFFF; --pbsa-accent: #6BACE6;}</style>",
}
TITLE_CSS = "<style>:root {{--pbsa-title: {px}px;}}</style>"  # filled with an int only


def _position(deck: Deck) -> tuple[int, int]:
    slide = url_state.read_param("slide") or "1"
    step = url_state.read_param("reveal") or "0"
    if not slide.isdigit():
        url_state.report_ignored("slide", slide, reason="slides are numbered 1, 2, 3, …; showing slide 1.")
    number = int(slide) if slide.isdigit() else 1
    shown = min(max(number, 1), len(deck.slides))
    if slide.isdigit() and shown != number:
        url_state.set_param("slide", shown)  # past the last slide: show the last, and say so in the URL
    return shown, (1 if step == "1" else 0)


def _set_position(slide: int, step: int) -> None:
    url_state.set_param("slide", slide)
    url_state.set_param("reveal", 1 if step else None)


def _presenter_pass(pulses, principal) -> str | None:
    """This browser's presenter pass: from the link's secret (then out of the address bar), the session or the
    cookie a presenter link left. The secret itself is never kept, shown or sent back to any page."""
    typed = (url_state.read_param("key") or "")[:200]
    if typed:
        url_state.set_param("key", None)
        st.session_state.pop("presenter_forgotten", None)
        if room.is_presenter(pulses, principal=principal, presenter_key=typed):
            issued = room.presenter_pass(pulses, principal=principal, presenter_key=typed)
            st.session_state["presenter_pass"] = issued
            st.session_state["presenter_pass_unsaved"] = room.pass_hours(pulses)
    # The cookie is read when the page connects, so after "Forget" this session must stop trusting it.
    cookie = "" if st.session_state.get("presenter_forgotten") else presenter_cookie()
    held = st.session_state.get("presenter_pass") or cookie
    if held and room.is_presenter(pulses, principal=principal, presenter_key=held):
        st.session_state["presenter_pass"] = held
        return held
    st.session_state.pop("presenter_pass", None)
    return None


class Room:
    """One request's view of the room: the deck, the caller's rights and the shared pulse store."""

    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.pulses = pulse_store()
        self.principal = current_principal()
        self.key = _presenter_pass(self.pulses, self.principal)
        self.presenter = room.is_presenter(self.pulses, principal=self.principal, presenter_key=self.key)
        self.theme = ProjectorTheme(deck.theme)
        self.anonymise = deck.anonymise or url_state.read_param("anon") == "1"

    def code_for(self, slide: Slide, *, open_it: bool) -> str | None:
        """The join code of a pulse slide's question; the presenter opens it, everyone else only finds it."""
        if open_it and self.presenter:
            return room.open_question(self.pulses, principal=self.principal, presenter_key=self.key,
                                      deck=self.deck.name, question_id=slide.pulse,
                                      slide=self.deck.slides.index(slide) + 1)  # fmt: skip
        return self.pulses.find_code(deck=self.deck.name, question_id=slide.pulse)

    def join_code(self, number: int) -> str | None:
        """The code shown in the join bar: this slide's question, else the next, else the last opened."""
        pulse_slides = [(n, s) for n, s in enumerate(self.deck.slides, start=1) if s.pulse]
        ordered = [s for n, s in pulse_slides if n >= number] + [s for n, s in reversed(pulse_slides) if n < number]
        for slide in ordered:
            code = self.code_for(slide, open_it=False)
            if code:
                return code
        return None

    def step(self, press: str) -> None:
        """→ reveals a hidden answer or a pulse result before moving on; ← goes back a slide."""
        number, step = _position(self.deck)
        slide = self.deck.slides[number - 1]
        if press == "next" and step + 1 < slide.steps:
            step = 1
            if slide.pulse and self.presenter:
                code = self.code_for(slide, open_it=True)
                room.reveal(self.pulses, principal=self.principal, presenter_key=self.key, code=code, revealed=True,
                            slide=number)  # fmt: skip
        elif press == "next":
            number, step = min(number + 1, len(self.deck.slides)), 0
        else:
            number, step = max(number - 1, 1), 0
        _set_position(number, step)
        if self.presenter:
            room.move(self.pulses, principal=self.principal, presenter_key=self.key, deck=self.deck.name,
                      slide=number, step=step)  # fmt: skip
            st.session_state["room_seen_ns"] = (self.pulses.position(deck=self.deck.name) or {}).get("at_ns", 0)


def _follow_presenter(deck: Deck, pulses) -> None:
    """Projected windows jump to where the presenter moved (checked each second: one small file)."""

    @st.fragment(run_every=LIVE_REFRESH_S)
    def follow() -> None:
        where = pulses.position(deck=deck.name)
        if not where:
            st.session_state.setdefault("room_seen_ns", 0)  # any later move by the presenter is news
            return
        seen = st.session_state.setdefault("room_seen_ns", where["at_ns"])
        if where["at_ns"] > seen:
            st.session_state["room_seen_ns"] = where["at_ns"]
            _set_position(min(max(int(where["slide"]), 1), len(deck.slides)), int(where["step"]))
            st.rerun(scope="app")

    follow()


def _pulse_results(the_room: Room, slide: Slide, code: str | None, box, *, key: str) -> None:
    question = question_of(the_room.deck, slide.pulse)

    @st.fragment(run_every=LIVE_REFRESH_S)
    def live() -> None:
        if not code:
            st.html('<p class="pbsa-wait">This question has not been opened yet.</p>')
            return
        answers = room.room_results(the_room.pulses, code=code)
        if answers is None:
            count = the_room.pulses.answer_count(code)
            st.html(f'<p class="pbsa-count">{count} answer{"s" if count != 1 else ""} so far. '
                    "Results appear when the presenter reveals them.</p>")  # fmt: skip
            return
        if answers.empty and question.kind not in {"scale", "single_choice"}:
            st.html('<p class="pbsa-wait">No answers yet.</p>')
            return
        chart = pulse_chart(question, answers, revealed=True, width=box.chart_width, height=box.chart_height,
                            theme=the_room.theme)  # fmt: skip
        st.altair_chart(chart, theme=None, key=key, width="content")

    live()


def _projected_slide(the_room: Room, number: int, step: int, box, note: str) -> None:
    deck = the_room.deck
    slide = deck.slides[number - 1]
    if slide.pulse:
        question = question_of(deck, slide.pulse)
        code = the_room.code_for(slide, open_it=True)
        if step == 0:
            st.title(question.prompt)
            big_join(code=code)
            _live_count(the_room, code)
        else:
            st.title(slide.finding)
            if note:
                slide_note(note)
            _pulse_results(the_room, slide, code, box, key=f"present_pulse_{number}")
        return
    if slide.question and step == 0:
        st.title(slide.question)
        st.html('<p class="pbsa-wait">Think about it, then the answer follows.</p>')
        return
    st.title(slide.finding)
    chart, _ = slide_chart(slide, anonymise=the_room.anonymise, width=box.chart_width, height=box.chart_height,
                           theme=the_room.theme)  # fmt: skip
    st.altair_chart(chart, theme=None, key=f"present_chart_{number}", width="content")


def _live_count(the_room: Room, code: str | None) -> None:
    if not code:
        return

    @st.fragment(run_every=LIVE_REFRESH_S)
    def count() -> None:
        n = the_room.pulses.answer_count(code)
        st.html(f'<p class="pbsa-count">{n} answer{"s" if n != 1 else ""} so far</p>')

    count()


def _footer(the_room: Room, number: int) -> None:
    slide = the_room.deck.slides[number - 1]
    source = cite_row(slide.source) if slide.source else the_room.deck.title
    if the_room.deck.has_pulse:
        join_bar(code=the_room.join_code(number), source=source, theme=the_room.theme.value)
    else:
        source_footer(source=source, theme=the_room.theme.value)


def _projected(the_room: Room) -> None:
    press, viewport = keys_and_viewport(key="present_keys")
    if press:
        the_room.step(press)
    number, step = _position(the_room.deck)
    slide = the_room.deck.slides[number - 1]
    shown_title = slide.finding if (step or not (slide.question or slide.pulse)) else (slide.question or "")
    note = cohort_note() if slide.pulse == MISSING_CONDITION and step else ""
    box = slide_box(viewport=viewport, title=shown_title, footer=True, note=note)
    st.html(TITLE_CSS.format(px=int(box.title_px)))
    _projected_slide(the_room, number, step, box, note)
    _footer(the_room, number)
    _follow_presenter(the_room.deck, the_room.pulses)


def _presenter_controls(the_room: Room, slide: Slide, number: int) -> None:
    code = the_room.code_for(slide, open_it=True)
    state = the_room.pulses.state(code)
    kwargs = {"principal": the_room.principal, "presenter_key": the_room.key, "code": code, "slide": number}
    st.text(f"Join code {code} · {'closed' if state['closed'] else 'open'} · "
            f"{'results shown' if state['revealed'] else 'results hidden'}")  # fmt: skip

    @st.fragment(run_every=LIVE_REFRESH_S)
    def count() -> None:
        st.metric("Answers so far", the_room.pulses.answer_count(code))

    count()
    left, right = st.columns(2)
    if left.button("Hide results" if state["revealed"] else "Reveal results", key="presenter_reveal"):
        room.reveal(the_room.pulses, revealed=not state["revealed"], **kwargs)
        st.rerun()
    if right.button("Open answers" if state["closed"] else "Close answers", key="presenter_close"):
        room.close(the_room.pulses, closed=not state["closed"], **kwargs)
        st.rerun()
    confirm = st.checkbox("I want to clear every answer to this question", key="presenter_clear_ok")
    if st.button("Clear answers", key="presenter_clear", disabled=not confirm):
        room.clear(the_room.pulses, **kwargs)
        st.rerun()
    answers = room.presenter_answers(the_room.pulses, principal=the_room.principal, presenter_key=the_room.key,
                                     code=code)  # fmt: skip
    st.download_button("Answers (CSV)", data=exports.to_csv_bytes(answers), file_name=f"pulse-{code}.csv",
                       mime="text/csv", key="presenter_answers_csv", on_click="ignore")  # fmt: skip


def _slide_label(deck: Deck, number: int) -> str:
    slide = deck.slides[number - 1]
    if slide.pulse:
        return f"Pulse: {question_of(deck, slide.pulse).prompt}"
    return f"Question first: {slide.question}" if slide.question else slide.finding


def _presenter_view(the_room: Room) -> None:
    deck = the_room.deck
    if not the_room.presenter:
        st.title("Presenter view")
        st.error("The presenter view needs the presenter: sign in as a funder admin, or in local mode open the "
                 "presenter link that `make run` prints.")  # fmt: skip
        return
    started = st.session_state.setdefault("presenter_started", time.monotonic())
    press, _ = keys_and_viewport(key="presenter_keys")
    if press:
        the_room.step(press)
    number, step = _position(deck)
    slide = deck.slides[number - 1]
    st.title(f"{deck.title} · slide {number} of {len(deck.slides)}")
    back, forward, timer = st.columns([1, 1, 2])
    if back.button("← Back", key="present_back"):
        the_room.step("back")
        st.rerun()
    label = "Reveal →" if step + 1 < slide.steps else "Next slide →"
    if forward.button(label, key="present_next", type="primary"):
        the_room.step("next")
        st.rerun()

    @st.fragment(run_every=LIVE_REFRESH_S)
    def clock() -> None:
        elapsed = int(time.monotonic() - started)
        timer.markdown(f"**Time {elapsed // 60:02d}:{elapsed % 60:02d}**")

    clock()
    now, later = st.columns([3, 2])
    with now:
        st.subheader("Now showing")
        st.text(_slide_label(deck, number) + ("  [answer revealed]" if step and slide.steps > 1 else ""))
        st.subheader("Notes")
        st.text(slide.notes or "(no notes for this slide)")
        if slide.pulse:
            st.subheader("Pulse")
            _presenter_controls(the_room, slide, number)
    with later:
        st.subheader("Next")
        if number < len(deck.slides):
            st.text(_slide_label(deck, number + 1))
            upcoming = deck.slides[number]
            if not upcoming.pulse:
                preview, _ = slide_chart(upcoming, anonymise=the_room.anonymise, width=520, height=300,
                                         theme=the_room.theme)  # fmt: skip
                st.altair_chart(preview, theme=None, key="presenter_preview", width="content")
        else:
            st.text("End of the deck.")
        url_state.toggle("Anonymise places (Partnership A, B, …)", key="present_anon", param="anon",
                         disabled=deck.anonymise)  # fmt: skip
        st.caption("Keys: → or space reveal then advance, ← back; on the projected window b blanks, f full screen.")
        target = {"deck": deck.name, "slide": str(number)} | ({"anon": "1"} if the_room.anonymise else {})
        st.page_link(str(settings.REPO_ROOT / "pages" / "present.py"), label="Open the projected view (projector)",
                     query_params=target, icon=":material/slideshow:")  # fmt: skip
    _audit_trail(the_room)


def _audit_trail(the_room: Room) -> None:
    """Who opened, revealed, hid, closed, reopened or cleared this deck's questions, and when (newest first)."""
    with st.expander("Pulse history: who revealed or cleared what, and when"):
        log = room.audit_log(the_room.pulses, principal=the_room.principal, presenter_key=the_room.key,
                             deck=the_room.deck.name)  # fmt: skip
        if log.empty:
            st.text("No question of this deck has been opened yet.")
        else:
            st.dataframe(log, hide_index=True, key="presenter_audit")
        if st.button("Forget the presenter link on this browser", key="presenter_forget"):
            st.session_state.pop("presenter_pass", None)
            st.session_state["presenter_forgotten"] = True
            forget_presenter()
            st.text("This browser no longer holds the presenter pass; open the presenter link to present again.")


def render() -> None:
    name = url_state.read_param("deck")
    if not name:
        st.title("Present")
        st.text("Choose a deck to present.")
        deck_list(list_decks(decks_dir=DECKS_DIR))
        return
    try:
        deck = load_deck(decks_dir=DECKS_DIR, name=name)
    except UnknownDeckError:
        st.title("Present")
        st.error(f"There is no deck called {name[:60]!r}. These decks are available:")
        deck_list(list_decks(decks_dir=DECKS_DIR))
        return
    except DeckError as error:
        st.title("Present")
        st.error("This deck file cannot be shown:")
        st.code(str(error), language=None)
        deck_list(list_decks(decks_dir=DECKS_DIR))
        return
    cookie_slot = st.empty()  # always here, so the one run that fills it moves no other element
    the_room = Room(deck)
    _save_presenter_pass(cookie_slot)
    if url_state.read_param("view") == "presenter":
        _presenter_view(the_room)
        return
    st.html(PROJECTED_CSS + THEME_CSS[the_room.theme])
    try:
        _projected(the_room)
    except PulseError as error:
        st.text(str(error))


def _save_presenter_pass(slot) -> None:
    """Hand a newly issued pass to the browser's cookie once (a script in an otherwise empty, hidden slot)."""
    hours = st.session_state.pop("presenter_pass_unsaved", None)
    if hours and st.session_state.get("presenter_pass"):
        with slot:
            remember_presenter(st.session_state["presenter_pass"], hours=hours)


guard(render)
