"""The benchmark's inputs: a synthetic register and N filled returns, made through the
public template contract (templates.writer, then templates.fill as a provider would).

The register repeats the starter portfolio (seven contracts and their SLA rows, budgets,
audits, exit plans, disputes and checklist) under new contract IDs (``VS-001-000``,
``VS-002-000``, … ``VS-001-001``, …) until it has ``ceil(N / 2)`` contracts, at most
``MAX_CONTRACTS``; each contract sends a performance and a financial return for
``PERIOD``, with values made the way the demo makes them (near target, a few records), all
received on time. A set is cached under ``bench/.cache/`` keyed by N and the source of the
code that shapes it, so re-running the benchmark does not rebuild thousands of workbooks.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import random
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cm_excel.periods import Period  # noqa: E402

PERIOD = Period(2026, 2)  # 2026-27 Q2 (July to September 2026)
AS_OF = "2026-11-25"
MAX_CONTRACTS = 1000
CACHE = ROOT / "bench" / ".cache"
_SHAPING_CODE = ("bench/generate.py", "cm_excel/demo.py", "cm_excel/register/starter.py",
                 "cm_excel/register/starter_data.py", "cm_excel/templates")


@dataclasses.dataclass(frozen=True)
class ReturnSet:
    """A generated set: the register, the folder of returns, and how many there are."""

    register: Path
    returns: Path
    files: list[Path]

    @property
    def megabytes(self) -> float:
        return sum(f.stat().st_size for f in self.files) / 1e6


def synthetic_records(contracts: int) -> dict:
    """Sheet name → records: the starter portfolio repeated to ``contracts`` contracts."""
    from cm_excel.register import starter_data as sd
    from cm_excel.register.starter import STARTER_RECORDS

    if not 1 <= contracts <= MAX_CONTRACTS:
        raise ValueError(f"between 1 and {MAX_CONTRACTS} contracts, not {contracts}")
    ids = [(c.contract_id, f"{c.contract_id}-{k:03d}")
           for k in range(math.ceil(contracts / len(sd.STARTER_CONTRACTS)))
           for c in sd.STARTER_CONTRACTS][:contracts]
    out = {name: [] for name in STARTER_RECORDS}
    out["KPI Menu"] = list(sd.STARTER_KPIS)
    for name, records in STARTER_RECORDS.items():
        if name == "KPI Menu":
            continue
        for original, new in ids:
            out[name] += [dataclasses.replace(r, contract_id=new) for r in records
                          if r.contract_id == original]
    return out


def _key(n: int, period: Period) -> str:
    digest = hashlib.sha256()
    for rel in _SHAPING_CODE:
        path = ROOT / rel
        for f in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(f.read_bytes())
    suffix = "" if period == PERIOD else f"-{period.slug}"
    return f"n{n}{suffix}-{digest.hexdigest()[:12]}"


def return_set(n: int, *, cache: Path = CACHE, workers: int | None = None,
               period: Period = PERIOD, echo=print) -> ReturnSet:
    """N returns for ``period`` (made once, then taken from the cache)."""
    from cm_excel.register.starter import write_starter_register

    if n < 2:
        raise ValueError("at least 2 returns (one contract's pair)")
    folder = cache / _key(n, period)
    returns = folder / "returns"
    if not (folder / "complete").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        returns.mkdir(parents=True)
        contracts = math.ceil(n / 2)
        echo(f"generating {n} returns for {contracts} contracts in {folder} …")
        write_starter_register(folder / "register.xlsx", synthetic_records(contracts))
        _fill_all(folder, n, workers or os.cpu_count() or 1, period)
        (folder / "complete").write_text("ok\n")
    files = sorted(returns.glob("*.xlsx"))
    return ReturnSet(folder / "register.xlsx", returns, files)


def _fill_all(folder: Path, n: int, workers: int, period: Period) -> None:
    from cm_excel.register.reader import read_register
    from cm_excel.templates.writer import write_templates

    register = read_register(folder / "register.xlsx")
    templates = sorted(write_templates(register, period, folder / "templates"))
    ids = sorted({t.name.split("_")[0] for t in templates})
    chunks = [ids[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_fill_contracts, [folder] * workers, chunks, [period] * workers))
    made = sorted((folder / "returns").glob("*.xlsx"))
    for extra in made[n:]:  # an odd N: the last contract sends one return
        extra.unlink()
    shutil.rmtree(folder / "templates")


def _fill_contracts(folder: Path, ids: list[str], period: Period) -> None:
    from cm_excel.demo import Problems, _financial_lines, _kpi_values, _received, _records
    from cm_excel.periods import add_working_days
    from cm_excel.register.reader import read_register
    from cm_excel.templates.contract import FINANCIAL, PERFORMANCE, template_filename
    from cm_excel.templates.fill import fill_return

    register = read_register(folder / "register.xlsx")
    contracts = {c.contract_id: c for c in register.active_contracts(period)}
    deadline = register.settings.return_deadline_working_days
    problems = Problems()
    ytd: dict = {}
    for cid in ids:
        contract = contracts[cid]
        rng = random.Random(f"{cid}/{period.label}")
        sign_off = {"Prepared By": contract.provider_contract_manager.split(",")[0],
                    "Approved By": contract.provider_escalation_contact.split(",")[0],
                    "Sign-off Date": add_working_days(period.end, 5)}
        for kind in (PERFORMANCE, FINANCIAL):
            name = template_filename(cid, kind, period.slug)
            template = folder / "templates" / name
            target = folder / "returns" / name
            if kind == PERFORMANCE:
                fill_return(template, target, sign_off=sign_off,
                            kpis=_kpi_values(register, contract, period, rng, problems, True,
                                             period),
                            tables=_records(contract, period, rng, problems, True))
            else:
                fill_return(template, target, sign_off=sign_off,
                            lines=_financial_lines(register, contract, period, rng, problems,
                                                   True, ytd))
            stamp = _received(period, deadline, rng.randint(2, 8)).timestamp()
            os.utime(target, (stamp, stamp))
