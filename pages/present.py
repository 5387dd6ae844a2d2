"""Present (/present?deck=learning-event&slide=3): full-screen slides for a projector, stepped by keyboard."""

import io
import time
from urllib.parse import urlsplit

import altair as alt
import qrcode
import streamlit as st

from pbsa_analytics import exports, settings
from pbsa_analytics.charts.theme import PRESENT_THEME_NAME
from pbsa_analytics.presentation.deck import Deck, load_deck
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.slides import pulse_chart, pulse_store, slide_chart

DEFAULT_DECK = "learning-event"
LIVE_REFRESH_S = 1.0

# Constant styling only (no data): hide Streamlit's chrome and set projector-sized type.
PRESENT_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {display: none !important;}
[data-testid="stMainBlockContainer"] {padding: 1.5rem 3rem 1rem 3rem !important; max-width: 100% !important;}
[data-testid="stMainBlockContainer"] h1 {font-size: 48px !important; line-height: 1.15 !important;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {font-size: 26px !important;}
.pbsa-code {font-size: 96px; font-weight: 800; letter-spacing: 0.2em; color: #12436D;}
</style>
"""


def _position() -> tuple[int, int]:
    slide = url_state.read_param("slide") or "1"
    step = url_state.read_param("reveal") or "0"
    return (int(slide) if slide.isdigit() else 1), (1 if step == "1" else 0)


def _go(deck: Deck, slide: int, step: int) -> None:
    slide = min(max(slide, 1), len(deck.slides))
    url_state.set_param("slide", slide)
    url_state.set_param("reveal", 1 if step else None)
    st.session_state["present_changed_at"] = time.monotonic()


def _next(deck: Deck) -> None:
    slide, step = _position()
    if deck.slides[slide - 1].question and step == 0:
        _go(deck, slide, 1)
    elif slide < len(deck.slides):
        _go(deck, slide + 1, 0)


def _previous(deck: Deck) -> None:
    slide, _ = _position()
    _go(deck, slide - 1, 0)


def _join_url(code: str) -> str:
    parts = urlsplit(st.context.url or "http://127.0.0.1:8501/present")
    return f"{parts.scheme}://{parts.netloc}/pulse?code={code}"


def _qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    qrcode.make(url, border=2).save(buffer, format="PNG")
    return buffer.getvalue()


def _show_chart(chart: alt.TopLevelMixin, key: str) -> None:
    # Compound charts are sized by their own steps; stretching them would pull their panels apart.
    width = "content" if isinstance(chart, alt.VConcatChart | alt.HConcatChart) else "stretch"
    with alt.theme.enable(PRESENT_THEME_NAME):
        st.altair_chart(chart, theme=None, key=key, width=width)


def _pulse_slide(deck: Deck, slide_number: int) -> None:
    slide = deck.slides[slide_number - 1]
    question = deck.questions[slide.pulse]
    pulses = pulse_store()
    code = pulses.open_question(deck=deck.name, question_id=question.id)
    url = _join_url(code)
    left, right = st.columns([3, 1])
    with left:
        st.title(question.prompt)
        st.markdown(f"Answer on your phone at **{url}** with code")
        st.html(f'<div class="pbsa-code">{code}</div>' if code.isalpha() else "")
    with right:
        st.image(_qr_png(url), caption="Scan to answer", width=260)

    @st.fragment(run_every=LIVE_REFRESH_S)
    def live_results() -> None:
        state = pulses.state(code)
        answers = pulses.answers(code)
        st.markdown(f"**{len(answers)} answer{'s' if len(answers) != 1 else ''} so far**")
        if state["revealed"] and len(answers):
            st.markdown(f"### {slide.finding}")
            _show_chart(pulse_chart(question, answers, revealed=True), key=f"present_pulse_{code}")
        elif not state["revealed"]:
            st.caption("Results are hidden until the presenter reveals them.")

    live_results()
    with st.expander("Presenter controls for this question"):
        state = pulses.state(code)
        if st.toggle("Reveal results", value=state["revealed"], key=f"present_reveal_{code}") != state["revealed"]:
            pulses.reveal(code, revealed=not state["revealed"])
            st.rerun()
        answers = pulses.answers(code)
        st.download_button("Answers (CSV)", data=exports.to_csv_bytes(answers), file_name=f"pulse-{code}.csv",
                           mime="text/csv", key=f"present_answers_{code}", on_click="ignore")  # fmt: skip
        confirm = st.checkbox("I want to clear every answer to this question", key=f"present_clear_ok_{code}")
        if st.button("Clear answers", key=f"present_clear_{code}", disabled=not confirm):
            pulses.clear(code)
            st.rerun()


def _chart_slide(deck: Deck, slide_number: int, step: int, anonymise: bool) -> None:
    slide = deck.slides[slide_number - 1]
    if slide.question and step == 0:
        st.title(slide.question)
        st.caption("Press → or space to reveal the answer.")
        return
    st.title(slide.finding)

    @st.fragment(run_every=LIVE_REFRESH_S)
    def live_chart() -> None:
        chart, _ = slide_chart(slide, anonymise=anonymise)
        _show_chart(chart, key=f"present_chart_{slide_number}")

    live_chart()
    if slide.source:
        st.caption(f"Source: {slide.source}")


def _auto_advance(deck: Deck, seconds: int) -> None:
    @st.fragment(run_every=seconds)
    def tick() -> None:
        changed = st.session_state.setdefault("present_changed_at", time.monotonic())
        if time.monotonic() - changed >= seconds:
            _next(deck)
            st.rerun(scope="app")

    tick()


def render() -> None:
    st.html(PRESENT_CSS)
    deck_name = url_state.read_param("deck") or DEFAULT_DECK
    deck = load_deck(decks_dir=settings.data_dir() / "decks", name=deck_name)
    slide_number, step = _position()
    if not 1 <= slide_number <= len(deck.slides):
        _go(deck, slide_number, 0)
        slide_number, step = _position()
    anonymise = url_state.read_param("anon") == "1"

    slide = deck.slides[slide_number - 1]
    if slide.pulse:
        _pulse_slide(deck, slide_number)
    else:
        _chart_slide(deck, slide_number, step, anonymise)

    back, position, forward, reveal = st.columns([1, 2, 1, 1])
    back.button("← Back", key="present_back", shortcut="left", on_click=_previous, args=(deck,))
    position.markdown(f"{deck.title} · slide **{slide_number} of {len(deck.slides)}**")
    forward.button("Next →", key="present_next", shortcut="right", on_click=_next, args=(deck,))
    reveal.button("Space", key="present_space", shortcut="space", on_click=_next, args=(deck,), type="tertiary")
    with st.expander("Presentation settings"):
        url_state.toggle("Anonymise places (Partnership A, B, …)", key="present_anon", param="anon")
        auto = url_state.choice(
            st.selectbox, "Auto-advance", [0, 10, 20, 30, 60], key="present_auto", param="auto", default=0,
            format_func=lambda s: "off" if s == 0 else f"every {s} seconds",
        )  # fmt: skip
    if auto:
        _auto_advance(deck, auto)


guard(render)
