#!/usr/bin/env python3
"""Fails when modules of one crate depend on each other in a circle.

A module is a source file (`src/a/b.rs` or `src/a/b/mod.rs` is `a::b`). Module A depends on B
when A names `crate::b::…` or `super::…` that resolves to B (grouped `crate::{b, c}` imports
included). A module and its own submodules may use each other (a submodule is its parent's
implementation). Every crate under `crates/` and `src-tauri/` is checked; the circles found
are printed, one per line, and the exit status is 1 if there is any.

Circles listed in `scripts/module-cycles.known` (same format as printed) are reported but do
not fail: they are the ones left to untangle. A listed circle that is gone fails too, so the
list only shrinks.

The api crate's features (`crates/api/src/<feature>/`, every folder but `runtime`) must not
use one another at all: what two features share moves beside them. A feature naming another
fails the check too.

Usage: scripts/check-module-cycles.py [crate dir …]
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PATH = re.compile(r"\b(crate|super)((?:::[A-Za-z_][A-Za-z0-9_]*)*(?:::\{)?)")


def modules(src: Path) -> dict[tuple[str, ...], Path]:
    found = {}
    for file in src.rglob("*.rs"):
        rel = file.relative_to(src).with_suffix("")
        parts = rel.parts
        if parts[0] == "bin":
            continue
        if parts[-1] in ("mod", "lib", "main"):
            parts = parts[:-1]
        found[tuple(parts)] = file
    return found


def strip_comments(text: str) -> str:
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r"/\*.*?\*/", "", text, flags=re.S)


def references(text: str) -> list[tuple[str, list[str]]]:
    """(`crate` or `super`, path segments) for every path, grouped imports expanded
    (`crate::a::{b::C, d}` is `a::b::C` and `a::d`)."""
    refs = []
    for m in PATH.finditer(text):
        head, rest = m.group(1), m.group(2)
        prefix = [p for p in rest.split("::") if p and p != "{"]
        brace = m.end() - 1 if rest.endswith("{") else None
        if brace is None and text.startswith("::{", m.end()):
            brace = m.end() + 2
        if brace is None:
            refs.append((head, prefix))
            continue
        depth, i = 1, brace + 1
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        for item in split_top(text[brace + 1 : i - 1]):
            refs.append((head, prefix + [p for p in item.split("::") if p]))
    return refs


def split_top(inner: str) -> list[str]:
    items, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            items.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur.strip())
    return [re.split(r"[\s{]", i)[0] if "{" not in i else i.split("{")[0] for i in items]


def resolve(mods, base: tuple[str, ...], segments: list[str]):
    """The longest module path that `base` + `segments` starts with."""
    best = None
    path = list(base)
    for seg in segments:
        path.append(seg)
        if tuple(path) in mods:
            best = tuple(path)
    return best


def related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    return a[: len(b)] == b or b[: len(a)] == a


USE = re.compile(r"\bpub(?:\([a-z]+\))?\s+use\s+(?:crate::|self::)?([^;]+);")


def reexports(mods, root_text: str) -> dict[str, tuple[str, ...]]:
    """Names the crate root re-exports (`pub use a::b::{C, d}`), with the module they are from."""
    names = {}
    for m in USE.finditer(root_text):
        body = m.group(1).replace("\n", " ")
        if "{" in body:
            prefix, inner = body.split("{", 1)
            items = [prefix + i for i in split_top(inner.rsplit("}", 1)[0])]
        else:
            items = [body]
        for item in items:
            segments = [p.strip() for p in item.split("::") if p.strip()]
            if not segments:
                continue
            last = segments[-1].split(" as ")[-1].strip()
            module = resolve(mods, (), segments)
            if module:
                names[last] = module
    return names


def graph(src: Path):
    mods = modules(src)
    edges = {m: set() for m in mods}
    root = strip_comments(mods[()].read_text()) if () in mods else ""
    aliases = reexports(mods, root)
    for mod, file in mods.items():
        text = strip_comments(file.read_text())
        for head, segments in references(text):
            if head == "crate":
                target = resolve(mods, (), segments)
                if target is None and segments and segments[0] in aliases:
                    target = aliases[segments[0]]
            else:
                # `super` of a file module is its parent; of `x/mod.rs` too (same tuple).
                parent = mod[:-1]
                extra = 0
                while segments and segments[0] == "super":
                    segments = segments[1:]
                    extra += 1
                target = resolve(mods, parent[: len(parent) - extra], segments)
            if target is not None and target != mod and not related(mod, target):
                edges[mod].add(target)
    return edges


def cycles(edges):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def feature_crossings(src: Path) -> list[str]:
    """`a -> b` for every feature folder `a` that uses another feature folder `b`."""
    features = {p.name for p in src.iterdir() if p.is_dir() and p.name not in ("runtime", "bin")}
    out = []
    for mod, targets in graph(src).items():
        for target in targets:
            if mod and target and mod[0] in features and target[0] in features and mod[0] != target[0]:
                out.append(f"{'::'.join(mod)} -> {'::'.join(target)}")
    return sorted(set(out))


def self_test() -> int:
    """The check finds a circle through a grouped import and a root re-export, and ignores a
    parent and its submodule using each other."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        (src / "wing").mkdir(parents=True)
        (src / "lib.rs").write_text("mod a;\nmod d;\nmod wing;\npub use a::Thing;\n")
        (src / "d.rs").write_text("use crate::a::Thing;\n")
        (src / "a.rs").write_text(
            "use crate::wing::{b::Other, c};\n// use crate::d; (a comment)\npub struct Thing;\n"
        )
        (src / "wing" / "mod.rs").write_text("pub mod b;\npub mod c;\nuse self::b::Other;\n")
        (src / "wing" / "b.rs").write_text("use super::c;\n")
        (src / "wing" / "c.rs").write_text("use crate::Thing;\nuse super::super::wing;\n")
        found = cycles(graph(src))
        # Two feature folders (and `runtime`, which any feature may use): one naming the other.
        feats = Path(tmp) / "feats"
        for name in ("alpha", "beta", "runtime"):
            (feats / name).mkdir(parents=True)
        (feats / "lib.rs").write_text("mod alpha;\nmod beta;\nmod runtime;\n")
        (feats / "alpha" / "mod.rs").write_text("use crate::beta::View;\nuse crate::runtime::Hub;\n")
        (feats / "beta" / "mod.rs").write_text("pub struct View;\nuse crate::runtime::Hub;\n")
        (feats / "runtime" / "mod.rs").write_text("pub struct Hub;\n")
        crossing = feature_crossings(feats)
    if crossing != ["alpha -> beta"]:
        print(f"self-test: expected the crossing alpha -> beta, found {crossing}", file=sys.stderr)
        return 1
    expected = [[("a",), ("wing", "b"), ("wing", "c")]]
    if found != expected:
        print(f"self-test: expected {expected}, found {found}", file=sys.stderr)
        return 1
    print("self-test: the circle a -> wing::b -> wing::c -> a is found, nothing else;")
    print("self-test: the feature crossing alpha -> beta is found, runtime is not one")
    return 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    crates = [Path(a).resolve() for a in argv] or sorted(
        [p for p in (ROOT / "crates").iterdir() if (p / "src").is_dir()] + [ROOT / "src-tauri", ROOT / "tests"]
    )
    known_file = ROOT / "scripts" / "module-cycles.known"
    known = {
        line.strip()
        for line in known_file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    } if known_file.exists() and not argv else set()
    found = set()
    for crate in crates:
        src = crate / "src"
        if not src.is_dir():
            continue
        for comp in cycles(graph(src)):
            names = ", ".join("::".join(m) or "<root>" for m in comp)
            found.add(f"{crate.relative_to(ROOT)}: {names}")
    new = sorted(found - known)
    gone = sorted(known - found)
    for line in sorted(found & known):
        print(f"known circle (scripts/module-cycles.known): {line}")
    for line in new:
        print(f"NEW circle between modules: {line}")
    for line in gone:
        print(f"circle gone, remove it from scripts/module-cycles.known: {line}")
    api = ROOT / "crates" / "api" / "src"
    crossings = feature_crossings(api) if not argv and api.is_dir() else []
    for line in crossings:
        print(f"api feature uses another feature's internals: {line}")
    if new or gone or crossings:
        return 1
    print(f"no new circle between modules ({len(found)} known left)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
