"""Pulse (/pulse?code=ABCD): answer the presenter's question from a phone, in one tap or one field.

The phone's identity is a token this server signs, kept in a cookie so a reload changes the same answer;
nothing in the address chooses who is answering.
"""

import re
import uuid

import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.presentation.deck import load_deck
from pbsa_analytics.services import pulse as room
from pbsa_analytics.store.pulse import CODE, MAX_ANSWER_CHARS, PulseError, PulseStore
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.slides import pulse_store, question_of

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_\-\.]{20,300}")


def _cookie_name(code: str) -> str:
    return f"pbsa_pulse_{code}"


def _token(pulses: PulseStore, code: str) -> str:
    """This phone's signed identity for the question: from the session, its cookie, or newly issued."""
    remembered = st.session_state.get(f"pulse_token_{code}")
    if remembered:
        return remembered
    cookie = (st.context.cookies or {}).get(_cookie_name(code), "")
    try:
        pulses.participant_of(code, cookie)
        token = cookie
    except PulseError:
        token = pulses.issue_token(code)
    st.session_state[f"pulse_token_{code}"] = token
    if token != cookie and TOKEN_SHAPE.fullmatch(token) and CODE.fullmatch(code):
        hours = int(float(settings.get("PBSA_PULSE_CODE_HOURS")) * 3600)
        # Both values were just checked against strict patterns; nothing else enters the script.
        st.html(
            f'<script>document.cookie = "{_cookie_name(code)}={token}; path=/; max-age={hours}; SameSite=Strict";'
            "</script>",
            unsafe_allow_javascript=True,
        )
    return token


def _record(code: str, token: str, value: str) -> None:
    try:
        room.submit_answer(pulse_store(), code=code, token=token, value=str(value), ballot=uuid.uuid4().hex)
    except PulseError as error:
        st.session_state["pulse_problem"] = str(error)
        return
    st.session_state.pop("pulse_problem", None)
    st.session_state["pulse_last_answer"] = str(value)


def render() -> None:
    code = (url_state.read_param("code") or "").upper()
    if not code:
        st.title("Join the pulse")
        typed = st.text_input("Code on the screen", key="pulse_code", max_chars=4)
        if typed:
            url_state.set_param("code", typed.upper())
            st.rerun()
        return
    st.title("Pulse")
    if not CODE.fullmatch(code):
        st.error("That is not a code from the screen. Codes are four letters.")
        return
    pulses = pulse_store()
    try:
        state = pulses.state(code)
    except PulseError:
        st.error("No open question has this code. Check the code on the screen.")
        return
    question = question_of(load_deck(decks_dir=settings.data_dir() / "decks", name=state["deck"]), state["question_id"])
    token = _token(pulses, code)
    st.subheader(question.prompt)
    if state["closed"]:
        st.info("The presenter has closed this question.")
        return
    _answer_widgets(question, code, token)
    if "pulse_problem" in st.session_state:
        st.warning("Not recorded:")
        st.text(st.session_state["pulse_problem"])
    elif "pulse_last_answer" in st.session_state:
        st.success("Answer recorded. You can change it.")
        st.text(f"Your answer: {st.session_state['pulse_last_answer']}")


def _answer_widgets(question, code: str, token: str) -> None:
    """One tap per option, or a small form for a number or a word."""
    if question.kind in ("single_choice", "scale"):
        columns = st.columns(len(question.options)) if question.kind == "scale" else [st] * len(question.options)
        for index, (column, option) in enumerate(zip(columns, question.options, strict=True)):
            column.button(option, key=f"pulse_option_{index}", on_click=_record, args=(code, token, option),
                          width="stretch")  # fmt: skip
    elif question.kind == "guess_number":
        with st.form("pulse_guess_form"):
            guess = st.number_input("Your guess", min_value=0, max_value=10_000_000, step=1, key="pulse_guess")
            if st.form_submit_button("Send"):
                _record(code, token, str(int(guess)))
    else:
        with st.form("pulse_word_form"):
            word = st.text_input("One word", key="pulse_word", max_chars=MAX_ANSWER_CHARS)
            if st.form_submit_button("Send") and word.strip():
                _record(code, token, word.strip())


guard(render)
