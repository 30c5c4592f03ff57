"""Cards -> deck structure: includes, libraries, subcircuit definitions, dot-cards.

The parser resolves ``.include`` and ``.lib`` (relative to the including file, with cycle
detection), splits ``.subckt``/``.ends`` blocks (nested definitions allowed), and sorts the
remaining cards into element cards and control cards. It does not evaluate values: that is
:mod:`xbar.netlist.elaborate`'s job, which needs parameter scopes.

Anything outside the supported dialect is rejected with ``not supported: <card> at file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from xbar.errors import NetlistError
from xbar.netlist.lexer import Card, read_lines, split_logical

__all__ = ["Deck", "SubcktDef", "parse_file", "parse_text"]

ELEMENT_LETTERS = frozenset("rclvi efghxdy".replace(" ", ""))

# dot-cards handled by the elaborator (after include/lib/subckt processing here)
CONTROL_CARDS = frozenset(
    {
        ".param", ".model", ".options", ".option", ".opt", ".ic", ".nodeset", ".op", ".dc",
        ".tran", ".print", ".save", ".probe", ".end", ".title", ".temp",
    }
)
UNSUPPORTED_HINTS = {
    ".ac": "small-signal .ac analysis is not implemented yet",
    ".control": "ngspice .control scripts are not supported; use analysis cards and .print",
    ".endc": "ngspice .control scripts are not supported",
    ".func": ".func is not supported; use .param expressions",
    ".global": ".global is not supported",
    ".noise": ".noise analysis is not supported",
    ".tf": ".tf analysis is not supported",
    ".sens": ".sens analysis is not supported",
    ".pz": ".pz analysis is not supported",
    ".disto": ".disto analysis is not supported",
    ".four": ".four is not supported",
    ".meas": ".meas is not supported",
    ".measure": ".measure is not supported",
    ".plot": ".plot is not supported; use .print",
    ".width": ".width is not supported",
}


@dataclass
class SubcktDef:
    """A ``.subckt`` definition: ports, parameter defaults (raw tokens) and body cards."""

    name: str
    ports: list[str]
    params: list[tuple[str, str, Card]]
    cards: list[Card]
    subckts: dict[str, SubcktDef]
    card: Card


@dataclass
class Deck:
    """A parsed deck: title, top-level cards and subcircuit definitions."""

    title: str
    file: str
    cards: list[Card] = field(default_factory=list)
    subckts: dict[str, SubcktDef] = field(default_factory=dict)


def parse_file(path: str | Path) -> Deck:
    """Read and parse a netlist file.

    Parameters
    ----------
    path : str or Path
        The deck; its first line is the title.

    Returns
    -------
    Deck
    """
    p = Path(path)
    lines = read_lines(p)
    return _parse(lines, str(path), p.resolve().parent, frozenset({str(p.resolve())}))


def parse_text(text: str, *, name: str = "<netlist>", base_dir: str | Path = ".") -> Deck:
    """Parse netlist text (first line is the title); includes resolve against ``base_dir``."""
    return _parse(text.splitlines(), name, Path(base_dir).resolve(), frozenset())


def _parse(lines: list[str], file: str, base: Path, stack: frozenset[str]) -> Deck:
    title, cards = split_logical(lines, file, has_title=True)
    cards = _expand_includes(cards, base, stack)
    top, subckts = _split_subckts(cards, None)
    return Deck(title=title or "", file=file, cards=top, subckts=subckts)


def _path_token(card: Card, index: int, what: str) -> str:
    if len(card.tokens) <= index:
        raise card.error(f"{what} needs a file name; expected '{what} <file>'", index)
    tok = card.tokens[index]
    if len(tok) >= 2 and tok[0] in "\"'" and tok[-1] == tok[0]:
        tok = tok[1:-1]
    return tok


def _expand_includes(cards: list[Card], base: Path, stack: frozenset[str]) -> list[Card]:
    out: list[Card] = []
    for card in cards:
        head = card.tokens[0].lower() if card.tokens else ""
        if head == ".include" or head == ".inc":
            rel = _path_token(card, 1, ".include")
            out.extend(_include(card, base / rel, stack, section=None))
        elif head == ".lib":
            if len(card.tokens) == 2:
                # '.lib name' inside a library file marks a section start: handled by _select_section
                out.append(card)
                continue
            rel = _path_token(card, 1, ".lib")
            if len(card.tokens) != 3:
                raise card.error("expected '.lib <file> <section>'", 1)
            out.extend(_include(card, base / rel, stack, section=card.tokens[2].lower()))
        elif head == ".endl":
            out.append(card)
        else:
            out.append(card)
    return out


def _include(card: Card, path: Path, stack: frozenset[str], section: str | None) -> list[Card]:
    resolved = str(path.resolve())
    if resolved in stack:
        raise card.error(f"include cycle: '{path}' is already being included", 1)
    lines = read_lines(path, location=card.token_location(1))
    _, cards = split_logical(lines, str(path), has_title=False)
    if section is not None:
        cards = _select_section(cards, section, card, path)
    return _expand_includes(cards, path.resolve().parent, stack | {resolved})


def _select_section(cards: list[Card], section: str, card: Card, path: Path) -> list[Card]:
    out: list[Card] = []
    inside = False
    found = False
    for c in cards:
        head = c.tokens[0].lower()
        if head == ".lib" and len(c.tokens) == 2:
            if inside:
                raise c.error("nested '.lib' section inside another section")
            inside = c.tokens[1].lower() == section
            found = found or inside
            continue
        if head == ".endl":
            inside = False
            continue
        if inside:
            out.append(c)
    if not found:
        raise card.error(f"library '{path}' has no section '{section}'", 2)
    return out


def _split_subckts(cards: list[Card], parent: Card | None) -> tuple[list[Card], dict[str, SubcktDef]]:
    top: list[Card] = []
    subckts: dict[str, SubcktDef] = {}
    i = 0
    n = len(cards)
    while i < n:
        card = cards[i]
        head = card.tokens[0].lower()
        if head == ".subckt":
            j, depth = i + 1, 1
            while j < n:
                h = cards[j].tokens[0].lower()
                if h == ".subckt":
                    depth += 1
                elif h == ".ends":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                raise card.error("'.subckt' has no matching '.ends'")
            sub = _make_subckt(card, cards[i + 1 : j], cards[j])
            if sub.name in subckts:
                raise card.error(f"duplicate subcircuit definition '{sub.name}'", 1)
            subckts[sub.name] = sub
            i = j + 1
            continue
        if head == ".ends":
            raise card.error("'.ends' without a matching '.subckt'")
        if head in (".lib", ".endl"):
            raise card.error(f"'{card.tokens[0]}' section marker outside a library file")
        if head[0] == ".":
            if head in UNSUPPORTED_HINTS:
                raise card.error(f"not supported: {card.tokens[0]} at {card.file}:{card.line} ({UNSUPPORTED_HINTS[head]})")
            if head not in CONTROL_CARDS:
                raise card.error(f"not supported: {card.tokens[0]} at {card.file}:{card.line}")
            if head == ".end":
                break
        elif head[0] not in ELEMENT_LETTERS:
            raise card.error(
                f"not supported: element '{card.tokens[0]}' at {card.file}:{card.line} "
                f"(supported letters: R C L V I E F G H D X Y)"
            )
        top.append(card)
        i += 1
    return top, subckts


def _make_subckt(card: Card, body: list[Card], ends: Card) -> SubcktDef:
    toks = card.tokens
    if len(toks) < 2:
        raise card.error("expected '.subckt <name> <ports...> [params: name=value ...]'", 1)
    name = toks[1].lower()
    ports: list[str] = []
    params: list[tuple[str, str, Card]] = []
    k = 2
    while k < len(toks):
        t = toks[k]
        if t.lower() in ("params:", "param:"):
            k += 1
            continue
        if k + 1 < len(toks) and toks[k + 1] == "=":
            if k + 2 >= len(toks):
                raise card.error(f"parameter '{t}' has no value after '='", k + 1)
            params.append((t.lower(), toks[k + 2], card))
            k += 3
            continue
        if params:
            raise card.error(f"port '{t}' after parameters; ports come first", k)
        if t == "=":
            raise card.error("'=' without a parameter name", k)
        ports.append(t.lower())
        k += 1
    if len(ends.tokens) > 1 and ends.tokens[1].lower() != name:
        raise ends.error(f"'.ends {ends.tokens[1]}' closes '.subckt {toks[1]}'", 1)
    inner, nested = _split_subckts(body, card)
    for c in inner:
        if c.tokens[0].lower() in (".op", ".dc", ".tran", ".options", ".option", ".opt", ".print",
                                   ".save", ".probe", ".ic", ".nodeset", ".end", ".title", ".temp"):
            raise c.error(f"{c.tokens[0]} is not allowed inside '.subckt {toks[1]}'")
    return SubcktDef(name=name, ports=ports, params=params, cards=inner, subckts=nested, card=card)
