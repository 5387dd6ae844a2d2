"""Pulse (/pulse?code=ABCD): answer the presenter's question from a phone, in one tap or one field."""

import uuid

import streamlit as st

from pbsa_analytics import settings
from pbsa_analytics.presentation.deck import load_deck
from pbsa_analytics.store.pulse import MAX_ANSWER_CHARS, PulseError
from pbsa_analytics.ui import url_state
from pbsa_analytics.ui.layout import guard
from pbsa_analytics.ui.slides import pulse_store


def _participant() -> str:
    """A random id kept in the URL, so a reload on the same phone changes the same answer."""
    participant = url_state.read_param("p")
    if not participant or not participant.isalnum():
        participant = uuid.uuid4().hex[:16]
        url_state.set_param("p", participant)
    return participant


def _record(code: str, participant: str, value: str) -> None:
    try:
        pulse_store().answer(code, participant=participant, value=str(value))
    except PulseError as error:
        st.error(str(error))
        return
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
    try:
        state = pulse_store().state(code)
    except PulseError:
        st.error(f"No open question has the code {code}. Check the code on the screen.")
        return
    question = load_deck(decks_dir=settings.data_dir() / "decks", name=state["deck"]).questions[state["question_id"]]
    participant = _participant()
    st.markdown(f"### {question.prompt}")
    if question.kind in ("single_choice", "scale"):
        columns = st.columns(len(question.options))
        for index, (column, option) in enumerate(zip(columns, question.options, strict=True)):
            column.button(option, key=f"pulse_option_{index}", on_click=_record, args=(code, participant, option),
                          width="stretch")  # fmt: skip
    elif question.kind == "guess_number":
        with st.form("pulse_guess_form"):
            guess = st.number_input("Your guess", min_value=0, max_value=10_000_000, step=1, key="pulse_guess")
            if st.form_submit_button("Send"):
                _record(code, participant, str(int(guess)))
    else:
        with st.form("pulse_word_form"):
            word = st.text_input("One word", key="pulse_word", max_chars=MAX_ANSWER_CHARS)
            if st.form_submit_button("Send") and word.strip():
                _record(code, participant, word.strip())
    if "pulse_last_answer" in st.session_state:
        st.success(f"Answer recorded: {st.session_state['pulse_last_answer']}. You can change it.")


guard(render)
