"""Rendering a team run: `PlainView` (one line per event) and `LiveView` (a rich live display).

Both read only `agora.runtime.events`, so they show any team, not just the demo's. A view is a
context manager; between entering and leaving it, `loading` and `loaded` report the model's
weights loading and `on_event` is the ``on_event`` callback of `Team.run`.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

from rich import box
from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from agora.protocols.envelope import Envelope
from agora.runtime import events
from agora.runtime.result import Result
from agora.runtime.team import Team

__all__ = ["LiveView", "PlainView", "clip", "no_fit_text", "summary"]

_KIND_STYLE = {"task": "cyan", "forward": "yellow", "split": "magenta", "answer": "green"}
_LOG_ROWS = 10


def clip(text: str, limit: int = 80) -> str:
    r"""`text` on one line, cut to `limit` characters with an ellipsis.

    Example:
        >>> clip("a  long\nline", 8)
        'a long…'
    """
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def summary(result: Result) -> str:
    """The one-line statistics of a finished run.

    Example:
        >>> print(summary(Result(answer="4", answered_by="a", conversation_id="c", elapsed_s=1)))
        tokens: 0  tokens/s: 0.0  hops: 0  time: 1.0 s
    """
    usage = result.total_usage
    return (
        f"tokens: {usage.total_tokens}  tokens/s: {usage.tokens_per_s:.1f}  "
        f"hops: {result.hops}  time: {result.elapsed_s:.1f} s"
    )


def no_fit_text(event: events.NoFit) -> str:
    """What a `events.NoFit` says, on one line.

    Example:
        >>> print(no_fit_text(events.NoFit("desk", "Sing", (("geo", 0.08),), 0.15)))
        desk: no neighbour fits this task well (best: geo 0.08, below 0.15)
    """
    best = ", ".join(f"{name} {sim:.2f}" for name, sim in event.scores[:3])
    return (
        f"{event.agent}: no neighbour fits this task well (best: {best}, below "
        f"{event.threshold:.2f})"
    )


def _route(envelope: Envelope) -> str:
    return f"{envelope.sender} -> {', '.join(envelope.recipients)}"


def _payload_text(envelope: Envelope) -> str:
    return str(getattr(envelope.payload, "text", ""))


def _log_text(envelope: Envelope) -> Text:
    text = Text(clip(_payload_text(envelope), 200))
    reason = str(getattr(envelope.payload, "reason", ""))
    if reason:
        text.append(f"  ({clip(reason, 60)})", style="dim")
    return text


def _neighbours(team: Team, name: str) -> str:
    return ", ".join(team.neighbours(name))


class _View:
    """What both views share: the team, the task, and the context-manager protocol."""

    def __init__(self, console: Console, team: Team, task: str, *, model: str = "") -> None:
        self.console = console
        self.team = team
        self.task = task
        self.model = model

    def __enter__(self) -> _View:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def loading(self) -> None:
        """The model's weights start loading."""

    def loaded(self, seconds: float) -> None:
        """The model's weights are loaded; it took `seconds`."""

    def on_event(self, event: events.Event) -> None:
        """Show one event of the run."""


class PlainView(_View):
    """One line per event, for pipes, logs and ``--no-tui``.

    Example:
        >>> import io
        >>> from agora import Agent, Team
        >>> from agora.testing import ScriptedModel
        >>> team = Team([Agent("solo", ScriptedModel(['{"action": "answer", "answer": "4"}']))])
        >>> console = Console(file=io.StringIO(), width=200)
        >>> with PlainView(console, team, "2 + 2?") as view:
        ...     result = team.run_sync("2 + 2?", on_event=view.on_event)
        >>> print(console.file.getvalue(), end="")  # doctest: +ELLIPSIS
        [team]    solo (entry)  general
        [deliver] user -> solo  task: 2 + 2?
        [think]   solo …
        [decide]  solo answer: 4  (... tokens, 0.0 s)
        [deliver] solo -> user  answer: 4
        answer: 4
        answered by: solo
        tokens: ...  hops: 2  time: 0.0 s
    """

    def __enter__(self) -> PlainView:
        agents = list(self.team.agents.values())
        names = [a.name + (" (entry)" if a.name == self.team.entry else "") for a in agents]
        width = max(len(name) for name in names)
        for i, (agent, name) in enumerate(zip(agents, names, strict=True)):
            tools = f" [tools: {', '.join(t.name for t in agent.tools)}]" if agent.tools else ""
            onward = _neighbours(self.team, agent.name)
            text = f"{name.ljust(width)}  {agent.expertise or 'general'}{tools}"
            self._line("team" if i == 0 else "", text + (f" -> {onward}" if onward else ""), "bold")
        if self.model:
            self._line("model", f"{self.model}, shared by all {len(agents)} agents", "bold")
        return self

    def loading(self) -> None:
        """Say the weights are loading."""
        self._line("load", "loading the weights…", "dim")

    def loaded(self, seconds: float) -> None:
        """Say the model is ready."""
        self._line("load", f"ready in {seconds:.1f} s", "dim")

    def on_event(self, event: events.Event) -> None:
        """Print one line for `event` (three for the final answer)."""
        if isinstance(event, events.Delivered):
            env = event.envelope
            style = _KIND_STYLE.get(env.kind, "white")
            self._line("deliver", f"{_route(env)}  {env.kind}: {clip(_payload_text(env))}", style)
        elif isinstance(event, events.Thinking):
            self._line("think", f"{event.agent} …", "dim")
        elif isinstance(event, events.ToolUsed):
            self._line("tool", f"{event.agent} {event.call} = {clip(event.result)}", "magenta")
        elif isinstance(event, events.NoFit):
            self._line("no fit", no_fit_text(event), "yellow")
        elif isinstance(event, events.Decided):
            usage = event.usage
            cost = (
                f"  ({usage.total_tokens} tokens, {usage.latency_s:.1f} s)"
                if usage.requests
                else ""
            )
            what = (
                f"{event.action}: {clip(event.detail)}"
                if event.action == "answer"
                else (f"{event.action} {clip(event.detail)}")
            )
            self._line("decide", f"{event.agent} {what}{cost}", "blue")
        elif isinstance(event, events.Finished):
            result = event.result
            self.console.print(Text(f"answer: {result.answer}", style="bold green"), soft_wrap=True)
            self.console.print(f"answered by: {result.answered_by}", markup=False, soft_wrap=True)
            self.console.print(summary(result), markup=False, highlight=False, soft_wrap=True)

    def _line(self, tag: str, text: str, style: str) -> None:
        line = Text(f"[{tag}]".ljust(10) if tag else " " * 10, style=style)
        line.append(text, style="default")
        self.console.print(line, soft_wrap=True, highlight=False)


@dataclass(slots=True)
class _Message:
    route: str
    kind: str
    text: Text


@dataclass(slots=True)
class _LiveState:
    status: str = "starting…"
    busy: bool = True
    active: set[str] = field(default_factory=set)
    done: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)
    messages: list[_Message] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    result: Result | None = None


class LiveView(_View):
    """A live terminal display: the team, the messages as they flow, then the answer.

    Example:
        >>> import io
        >>> from agora import Agent, Team
        >>> from agora.testing import ScriptedModel
        >>> team = Team([Agent("solo", ScriptedModel(['{"action": "answer", "answer": "4"}']))])
        >>> console = Console(file=io.StringIO(), width=100)
        >>> with LiveView(console, team, "2 + 2?") as view:
        ...     result = team.run_sync("2 + 2?", on_event=view.on_event)
        >>> "answered by solo" in console.file.getvalue()
        True
    """

    def __init__(self, console: Console, team: Team, task: str, *, model: str = "") -> None:
        super().__init__(console, team, task, model=model)
        self._state = _LiveState()
        self._lock = threading.Lock()  # the refresh thread renders while events arrive
        self._started = time.perf_counter()
        self._spinner = Spinner("dots", style="cyan")
        self._live = Live(console=console, refresh_per_second=10, get_renderable=self._render)

    def __enter__(self) -> LiveView:
        self._started = time.perf_counter()
        self._live.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            self._state.busy = False
            if exc_type is not None:
                self._state.status = f"stopped: {exc_type.__name__}"
        self._live.stop()

    def loading(self) -> None:
        """Show the loading spinner."""
        self._set_status(f"loading model {self.model}…")

    def loaded(self, seconds: float) -> None:
        """Clear the loading spinner."""
        self._set_status(f"model loaded in {seconds:.1f} s")

    def on_event(self, event: events.Event) -> None:
        """Update the display with `event`."""
        with self._lock:
            self._apply(event)
        self._live.refresh()

    def _set_status(self, status: str) -> None:
        with self._lock:
            self._state.status = status
        self._live.refresh()

    def _apply(self, event: events.Event) -> None:
        state = self._state
        if isinstance(event, events.Delivered):
            env = event.envelope
            state.messages.append(_Message(_route(env), env.kind, _log_text(env)))
            if env.sender in self.team.agents:
                verb = "answer →" if env.kind == "answer" else "→"
                state.done[env.sender] = f"{verb} {', '.join(env.recipients)}"
        elif isinstance(event, events.Thinking):
            state.active.add(event.agent)
            state.status = f"{event.agent} is thinking…"
        elif isinstance(event, events.ToolUsed):
            state.tools.append(f"{event.agent}: {event.call} = {clip(event.result, 40)}")
            state.status = f"{event.agent} called {clip(event.call, 40)}"
        elif isinstance(event, events.NoFit):
            state.status = clip(no_fit_text(event), 100)
        elif isinstance(event, events.Decided):
            state.active.discard(event.agent)
            state.tokens[event.agent] = state.tokens.get(event.agent, 0) + event.usage.total_tokens
            state.status = f"{event.agent} decided: {event.action}"
        elif isinstance(event, events.Finished):
            state.result = event.result
            state.busy = False
            state.status = "done"

    def _render(self) -> RenderableType:
        with self._lock:
            parts: list[RenderableType] = [self._header(), self._team(), self._log()]
            if self._state.result is not None:
                parts.append(self._answer(self._state.result))
            else:
                parts.append(self._status())
        return Group(*parts)

    def _header(self) -> RenderableType:
        text = Text.assemble(("task   ", "bold"), (self.task, "default"))
        if self.model:
            agents = len(self.team.agents)
            text.append(f"\nmodel  {self.model} · shared by all {agents} agents", style="dim")
        return Panel(text, title="[bold]agora demo[/]", title_align="left", border_style="blue")

    def _team(self) -> RenderableType:
        table = Table(box=box.SIMPLE_HEAD, expand=True, pad_edge=False, show_edge=False)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("agent", style="bold", no_wrap=True)
        table.add_column("expertise → forwards to", ratio=1)
        table.add_column("status", no_wrap=True, min_width=16, overflow="ellipsis")
        table.add_column("tokens", justify="right", no_wrap=True)
        state = self._state
        for agent in self.team.agents.values():
            name = agent.name + (" (entry)" if agent.name == self.team.entry else "")
            about = Text(agent.expertise or "general")
            if agent.tools:
                about.append(f" [tools: {', '.join(t.name for t in agent.tools)}]", style="magenta")
            onward = _neighbours(self.team, agent.name)
            if onward:
                about.append(f"\n→ {onward}", style="dim")
            if agent.name in state.active:
                marker: RenderableType = self._spinner
                status = Text("thinking…", style="cyan")
            else:
                marker = Text("✓" if agent.name in state.done else " ", style="green")
                status = Text(state.done.get(agent.name, ""), style="green")
            tokens = state.tokens.get(agent.name)
            table.add_row(marker, Text(name), about, status, "" if tokens is None else str(tokens))
        return Panel(table, title="team", title_align="left", border_style="dim")

    def _log(self) -> RenderableType:
        table = Table(box=None, expand=True, show_header=False, pad_edge=False)
        table.add_column("route", no_wrap=True, style="bold")
        table.add_column("kind", no_wrap=True)
        table.add_column("text", ratio=1, no_wrap=True, overflow="ellipsis")
        messages = self._state.messages
        if len(messages) > _LOG_ROWS:
            table.add_row(Text(f"… {len(messages) - _LOG_ROWS} earlier", style="dim"), "", "")
        for message in messages[-_LOG_ROWS:]:
            style = _KIND_STYLE.get(message.kind, "white")
            table.add_row(
                Text(message.route.replace("->", "→")),
                Text(message.kind, style=style),
                message.text,
            )
        for call in self._state.tools[-3:]:
            table.add_row(Text("tool", style="magenta"), "", Text(call))
        if not messages:
            table.add_row(Text("no messages yet", style="dim"), "", "")
        return Panel(table, title="messages", title_align="left", border_style="dim")

    def _status(self) -> RenderableType:
        elapsed = time.perf_counter() - self._started
        text = Text.assemble((self._state.status, "cyan"), (f"  {elapsed:.1f} s", "dim"))
        if not self._state.busy:
            return text
        table = Table.grid(padding=(0, 1))
        table.add_row(self._spinner, text)
        return table

    def _answer(self, result: Result) -> RenderableType:
        usage = result.total_usage
        stats = Text.assemble(
            ("answered by ", "dim"),
            (result.answered_by, "bold"),
            (" · ", "dim"),
            (f"{result.hops} hops", "bold"),
            (" · ", "dim"),
            (f"{usage.total_tokens} tokens", "bold"),
            (" · ", "dim"),
            (f"{usage.tokens_per_s:.1f} tokens/s", "bold"),
            (" · ", "dim"),
            (f"{result.elapsed_s:.1f} s", "bold"),
        )
        body = Group(Text(result.answer, style="bold"), Text(""), stats)
        return Panel(body, title="[bold green]answer[/]", title_align="left", border_style="green")
