"""The person at the keyboard, for a question the run folder cannot answer.

`TerminalPerson` shows the operator's question (escaped and redacted like every console line) and
the time left before the chat would drop, and collects the lines the person types without
blocking the conversation: a daemon thread reads the terminal, so the chat stays alive (holding
messages, other answers) while they think. `NoPerson` stands for ``--no-input`` or no terminal:
nobody can answer.
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import Protocol, TextIO

from agent.console import visible

__all__ = ["NoPerson", "Person", "TerminalPerson"]


class Person(Protocol):
    """Someone who may answer the operator's questions."""

    @property
    def present(self) -> bool:
        """Whether anybody can answer at all."""
        ...

    def ask(self, question: str, *, left_s: float) -> None:
        """Show the operator's question and the seconds left before the chat would drop."""
        ...

    def poll(self) -> str | None:
        """A line the person typed since the last call, or None (never blocks)."""
        ...

    def tell(self, text: str) -> None:
        """Show a note (a refusal, the time left)."""
        ...


class NoPerson:
    """Nobody at the keyboard (``--no-input``, or no terminal)."""

    present = False

    def ask(self, question: str, *, left_s: float) -> None:
        """Nobody to ask."""

    def poll(self) -> str | None:
        """Nobody types."""
        return None

    def tell(self, text: str) -> None:
        """Nobody reads."""


class TerminalPerson:
    """A person at a terminal: questions and notes on ``output``, answers read from ``input``."""

    def __init__(self, *, input: TextIO | None = None, output: TextIO | None = None) -> None:
        self.input = input or sys.stdin
        self.output = output or sys.stderr
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._reader: threading.Thread | None = None
        self._ended = False

    @property
    def present(self) -> bool:
        """True until the terminal's input ends."""
        return not self._ended

    def _read_lines(self) -> None:
        while True:
            line = self.input.readline()
            if not line:  # end of input: nobody will type again
                self._lines.put(None)
                return
            self._lines.put(line.rstrip("\r\n"))

    def ask(self, question: str, *, left_s: float) -> None:
        """Show the question, the time left, and how to answer; start reading the terminal."""
        print(file=self.output)
        self.tell(f"The operator asks: {question}")
        self.tell(
            f"Type your answer in English and press Enter (about {max(0, round(left_s))} s "
            "before the chat would close; the agent keeps it open meanwhile). "
            "An empty line sends nothing."
        )
        if self._reader is None:
            self._reader = threading.Thread(target=self._read_lines, name="person", daemon=True)
            self._reader.start()

    def poll(self) -> str | None:
        """The next typed line, if any; None too once the input ended (then nobody is present)."""
        try:
            line = self._lines.get_nowait()
        except queue.Empty:
            return None
        if line is None:
            self._ended = True
        return line

    def tell(self, text: str) -> None:
        """Print a note for the person: one line, the site's control characters shown as
        escapes (never a window title, a cleared screen or a right-to-left flip), secrets
        masked."""
        print(visible(text), file=self.output, flush=True)
