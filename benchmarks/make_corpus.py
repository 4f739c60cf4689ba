"""Write a synthetic source document of N question-answer pairs, for scale tests.

    python benchmarks/make_corpus.py N [--seed S] [--output PATH]

The layout is the bundled sources' own: a question line ending in "?", a
blank line, the answer on one line, a blank line. Questions come from
templates ("How is X treated?", "What causes X in Y?" ...) over haematology
conditions, sites and populations; answers are 2-4 sentences, 25-60 words in
all, built from a medical vocabulary plus the words of data/sources/*.txt,
drawn with Zipf-like frequencies so that some terms are common and most are
rare, as in real text. Every answer is unique (so `emh build` merges none)
and so is every question (so it warns about none). The output depends only
on N, the seed and the bundled sources.
"""

from __future__ import annotations

import argparse
import bisect
import random
import re
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "data" / "sources"

CONDITIONS = """
extramedullary hematopoiesis|myelofibrosis|primary myelofibrosis|thalassemia|beta thalassemia
|thalassemia intermedia|thalassemia major|sickle cell disease|hereditary spherocytosis
|polycythemia vera|chronic myeloid leukemia|acute myeloid leukemia|myelodysplastic syndrome
|aplastic anemia|hemolytic anemia|autoimmune hemolytic anemia|iron deficiency anemia
|pernicious anemia|splenomegaly|hepatomegaly|hepatosplenomegaly|paravertebral mass
|myeloid metaplasia|agnogenic myeloid metaplasia|osteopetrosis|multiple myeloma|lymphoma
|essential thrombocythemia|Gaucher disease|marrow fibrosis|hemoglobinopathy
|spinal cord compression|pleural effusion|hemothorax|pancytopenia|leukoerythroblastosis
|erythroid hyperplasia|myeloid sarcoma|systemic mastocytosis|G6PD deficiency
|pyruvate kinase deficiency|thrombocytopenia|neutropenia|anemia of chronic disease
|marrow infiltration|myelophthisis|hemochromatosis|erythropoietin excess|intramedullary expansion
|extramedullary erythropoiesis|hepatic hematopoiesis|splenic hematopoiesis|fetal hematopoiesis
|myeloproliferative neoplasm|chronic myelomonocytic leukemia|hairy cell leukemia
|Waldenstrom macroglobulinemia|Diamond-Blackfan anemia|Fanconi anemia|congenital dyserythropoietic anemia
|sideroblastic anemia|mediastinal mass|presacral mass|renal hematopoiesis|adrenal myelolipoma
"""

SITES = """
adults|children|infants|newborns|the fetus|pregnancy|the liver|the spleen|lymph nodes
|the paravertebral region|the kidney|the adrenal gland|the thorax|the pleura|the epidural space
|the presacral region|the skin|the breast|elderly patients|transfusion-dependent patients
|mice|zebrafish|dogs|cats|horses|the mediastinum|the retroperitoneum|the orbit|the meninges
|the heart|the lungs|the pancreas|the thymus|the intestine|the sinuses|the bone cortex
|splenectomized patients|patients on ruxolitinib|patients after chemotherapy|athletes at altitude
"""

MODIFIERS = """
chronic|severe|mild|hepatic|splenic|intrathoracic|paraspinal|focal|diffuse|secondary|primary
|congenital|acquired|refractory|symptomatic|asymptomatic|tumoral|compensatory|reactive|clonal
|recurrent|progressive|massive|incidental|bilateral|posterior|pediatric|neonatal|early|late
|untreated|transfusion-dependent|post-splenectomy|drug-induced|idiopathic|familial|silent|atypical
"""

CELLS = """
hematopoietic stem cells|erythroid precursors|myeloid progenitors|megakaryocytes|erythroblasts
|normoblasts|reticulocytes|neutrophils|monocytes|macrophages|stromal cells|endothelial cells
|fibroblasts|plasma cells|lymphocytes|mast cells|granulocytes|platelets|red blood cells
|progenitor cells|blast cells|osteoclasts|adipocytes|mesenchymal cells|dendritic cells
"""

TREATMENTS = """
radiotherapy|low-dose radiotherapy|hydroxyurea|blood transfusion|hypertransfusion|splenectomy
|surgical decompression|corticosteroids|ruxolitinib|fedratinib|momelotinib|luspatercept
|interferon alfa|iron chelation|deferasirox|deferoxamine|erythropoietin|thalidomide
|stem cell transplantation|bone marrow transplantation|watchful waiting|folic acid
|vitamin B12 replacement|laminectomy|embolization|antibiotics|anticoagulation|plerixafor
"""

TESTS = """
magnetic resonance imaging|computed tomography|fine-needle aspiration|core biopsy|bone marrow biopsy
|peripheral blood smear|technetium sulfur colloid scan|ultrasound|positron emission tomography
|complete blood count|reticulocyte count|hemoglobin electrophoresis|flow cytometry|JAK2 testing
|serum ferritin|lactate dehydrogenase|haptoglobin|cytogenetic analysis|immunohistochemistry
"""

ADJECTIVES = """
abnormal|normal|ineffective|effective|increased|decreased|marked|minimal|rare|common|frequent
|uncommon|typical|characteristic|heterogeneous|homogeneous|soft-tissue|well-defined|lobulated
|enhancing|hypointense|hyperintense|fatty|iron-laden|fibrotic|cellular|hypocellular|hypercellular
|immature|mature|circulating|peripheral|local|systemic|physiologic|pathologic|benign|malignant
|persistent|transient|significant|variable|sustained|relative|absolute|prolonged|residual
"""

NOUNS = """
marrow|tissue|mass|lesion|nodule|cell|precursor|production|expansion|compression|infiltration
|fibrosis|erythropoiesis|hematopoiesis|anemia|hemolysis|transfusion|iron|hemoglobin|oxygen
|demand|signal|cytokine|niche|microenvironment|vessel|sinusoid|capsule|parenchyma|cortex
|response|mechanism|pathway|mutation|clone|burden|outcome|survival|risk|complication|symptom
|diagnosis|treatment|therapy|dose|radiation|surgery|imaging|biopsy|finding|feature|pattern
|spleen|liver|kidney|vertebra|rib|spine|cord|nerve|pleura|lung|heart|node|skin|bone
|patient|child|adult|infant|fetus|disease|disorder|condition|syndrome|deficiency|failure
"""

VERBS = """
causes|drives|reflects|produces|requires|involves|triggers|promotes|reduces|increases|limits
|indicates|suggests|mimics|accompanies|follows|precedes|supports|replaces|compresses|infiltrates
|resembles|complicates|explains|predicts|affects|influences|stimulates|suppresses|restores
"""

PREPOSITIONS = "in|of|with|within|outside|around|along|after|during|despite|through|beyond|near"
DETERMINERS = "the|a|this|such|most|many|some|these|each"
CONNECTIVES = """
In most cases,|However,|Consequently,|In addition,|As a result,|Histologically,|Clinically,
|On imaging,|In practice,|Importantly,|Typically,|Occasionally,|Therefore,|In contrast,
"""

QUESTION_TEMPLATES = (
    "How is {x} treated?",
    "What causes {x} in {y}?",
    "What is {x}?",
    "How is {x} diagnosed?",
    "Why does {x} occur in {y}?",
    "Is {x} common in {y}?",
    "Can {x} cause {z}?",
    "What are the symptoms of {x}?",
    "When does {x} develop in {y}?",
    "Where does {x} occur?",
    "Which cells are involved in {x}?",
    "How long does {x} last in {y}?",
    "Does {x} go away on its own?",
    "What is the prognosis of {x} in {y}?",
    "How common is {x} in {y}?",
    "What tests confirm {x}?",
    "Is {x} dangerous?",
    "What is the difference between {x} and {z}?",
    "How does {x} affect {y}?",
    "Why is {x} associated with {z}?",
    "Is {x} cancerous?",
    "What triggers {x}?",
    "How is {x} managed in {y}?",
    "What does {x} look like on {t}?",
)

_SOURCE_STOP = """about above after again against also although among because been before being below
    between both cannot could does doing down during each even ever every from further have
    having here into itself just more most much must never only other ought over same should
    since some such than that their theirs them then there these they this those through under
    until upon very what when where which while whom whose will with within without would your
    yours"""
SOURCE_STOP = frozenset(_SOURCE_STOP.split())


def _split(table: str) -> list[str]:
    return [w.strip() for w in table.replace("\n", "").split("|") if w.strip()]


def source_words(folder: Path = SOURCES) -> list[str]:
    """Content words of the bundled sources, in a stable order."""
    words: set[str] = set()
    for path in sorted(folder.glob("*.txt")):
        for w in re.findall(r"[A-Za-z][a-z-]+[a-z]", path.read_text(encoding="utf-8")):
            lw = w.lower()
            if len(lw) >= 4 and lw not in SOURCE_STOP:
                words.add(lw)
    return sorted(words)


class Pool:
    """Words drawn with Zipf-like frequencies (exponent `s`) in a seed-shuffled rank order."""

    def __init__(self, rng: random.Random, words: Sequence[str], s: float = 1.0) -> None:
        self.words = list(dict.fromkeys(words))
        rng.shuffle(self.words)
        total = 0.0
        self.cum: list[float] = []
        for i in range(len(self.words)):
            total += 1.0 / (i + 1) ** s
            self.cum.append(total)
        self.total = total
        self.rng = rng

    def __call__(self) -> str:
        i = bisect.bisect_left(self.cum, self.rng.random() * self.total)
        return self.words[min(i, len(self.words) - 1)]


class Generator:
    def __init__(self, seed: int) -> None:
        rng = self.rng = random.Random(seed)
        src = source_words()
        self.cond = Pool(rng, _split(CONDITIONS), 0.8)
        self.site = Pool(rng, _split(SITES), 0.7)
        self.mod = Pool(rng, _split(MODIFIERS), 0.6)
        self.cell = Pool(rng, _split(CELLS), 0.8)
        self.treat = Pool(rng, _split(TREATMENTS), 0.8)
        self.test = Pool(rng, _split(TESTS), 0.8)
        self.adj = Pool(rng, _split(ADJECTIVES), 0.7)
        self.noun = Pool(rng, _split(NOUNS) + src, 0.8)
        self.verb = Pool(rng, _split(VERBS), 0.9)
        self.prep = Pool(rng, PREPOSITIONS.split("|"), 1.0)
        self.det = Pool(rng, DETERMINERS.split("|"), 1.2)
        self.conn = Pool(rng, _split(CONNECTIVES), 0.5)
        self.questions: set[str] = set()
        self.answers: set[str] = set()

    # -- questions ------------------------------------------------------------
    def condition(self, extra: int) -> str:
        x = self.cond()
        if self.rng.random() < 0.45 or extra:
            x = f"{self.mod()} {x}"
        for _ in range(extra):
            x = f"{x} with {self.adj()} {self.noun()}"
        return x

    def question(self) -> tuple[str, str]:
        """A new question and the condition it asks about."""
        for attempt in range(50):
            template = QUESTION_TEMPLATES[self.rng.randrange(len(QUESTION_TEMPLATES))]
            x = self.condition(attempt // 3)
            q = template.format(
                x=x,
                y=self.site(),
                z=self.cond() if self.rng.random() < 0.5 else f"{self.adj()} {self.noun()}",
                t=self.test(),
            )
            q = q[0].upper() + q[1:]
            if q.casefold() not in self.questions:
                self.questions.add(q.casefold())
                return q, x
        raise RuntimeError("could not make a new question")

    # -- answers ---------------------------------------------------------------
    def noun_phrase(self, subject: str) -> list[str]:
        r = self.rng.random()
        if r < 0.15:
            return subject.split()
        if r < 0.25:
            return self.cell().split()
        if r < 0.32:
            return self.treat().split()
        if r < 0.36:
            return self.test().split()
        words = [self.det()] if self.rng.random() < 0.6 else []
        if self.rng.random() < 0.6:
            words.append(self.adj())
        words.append(self.noun())
        if self.rng.random() < 0.3:
            words.append(self.noun())
        return words

    def sentence(self, subject: str, target: int) -> list[str]:
        words: list[str] = []
        if self.rng.random() < 0.25:
            words.extend(self.conn().split())
        words.extend(self.noun_phrase(subject))
        words.append(self.verb())
        words.extend(self.noun_phrase(subject))
        while len(words) < target:
            words.append(self.prep())
            words.extend(self.noun_phrase(subject))
        words[0] = words[0][0].upper() + words[0][1:]
        words[-1] += "."
        return words

    def answer(self, subject: str) -> str:
        while True:
            total = self.rng.randint(25, 60)
            k = max(2, min(4, round(total / self.rng.uniform(11, 18))))
            words: list[str] = []
            for i in range(k):
                words.extend(self.sentence(subject, (total - len(words)) // (k - i)))
            if 25 <= len(words) <= 60:
                text = " ".join(words)
                if text not in self.answers:
                    self.answers.add(text)
                    return text

    def pair(self) -> tuple[str, str]:
        q, x = self.question()
        return q, self.answer(x if self.rng.random() < 0.7 else self.cond())


def write_corpus(n: int, seed: int, out: Path | None) -> None:
    gen = Generator(seed)
    chunks: list[str] = []
    for _ in range(n):
        q, a = gen.pair()
        chunks.append(f"{q}\n\n{a}\n\n")
    text = "".join(chunks)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("n", type=int, help="number of question-answer pairs")
    p.add_argument("--seed", type=int, default=5, help="random seed (default 5)")
    p.add_argument("--output", "-o", type=Path, help="file to write (default: stdout)")
    args = p.parse_args(argv)
    if args.n < 1:
        p.error("N must be at least 1")
    write_corpus(args.n, args.seed, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
