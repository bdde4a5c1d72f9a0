"""The starter register's content: a small, realistic victim-services portfolio.

Everything here is fictitious (providers, people, e-mail addresses under ``.example``), but
sized from public figures (docs: reference/victim-services-kpis.md §2-§4). It teaches by
example: each sheet shows the kinds of row the office will write, and a few rows are chosen
so that every calendar flag has a case to show on 25 Nov 2026:

- VS-003 has no Deputy Officer (GOVERNANCE_NO_DEPUTY) and a formal dispute whose meeting has
  not been held 10 working days after the written notice (DISPUTE_MEETING_OVERDUE);
- VS-005 ends on 30 Jun 2027 with no exit decision (EXIT_NOTICE_DUE);
- VS-001 was audited twice within 12 months (AUDIT_LIMIT); VS-006 not for over 12 months
  (AUDIT_OVERDUE);
- VS-002's accreditation certificate expired on 31 Aug 2026 (CHECKLIST_EXPIRED), and its
  48-hour contact target rises from 90% to 95% from 2026-27 Q3 (an SLA change); an
  informal dispute's action plan was due on 30 Oct 2026 with no outcome recorded
  (DISPUTE_ACTION_PLAN_OVERDUE);
- VS-004 gave notice of re-tender; its Service Transfer Plan arrived on 2 Oct 2026 but has
  not been approved within 30 days (EXIT_NOTICE_OVERDUE);
- VS-006 is being decommissioned at the end of Jan 2027 with no post-contract review date
  (POST_CONTRACT_REVIEW_DUE);
- VS-007 is a larger contract shared with two neighbouring offices.

The demo and tests reuse these records; ``starter.py`` writes them.
"""

from __future__ import annotations

from datetime import date

from ..periods import parse_fy, parse_period_label
from .model import Audit, Budget, ChecklistItem, Contract, Dispute, ExitPlan, Kpi, SlaKpi


def _contract(contract_id, service, provider, manager, escalation, lead, deputy, value, users,
              start, end, extension, status="active") -> Contract:
    return Contract(contract_id, service, provider, manager, escalation, lead, deputy,
                    float(value), users, date.fromisoformat(start), date.fromisoformat(end),
                    date.fromisoformat(extension) if extension else None, status)


STARTER_CONTRACTS: tuple[Contract, ...] = (
    _contract("VS-001", "Victims' assessment and referral centre (hub)",
              "Beacon Victim Care CIC",
              "Ruth Adeyemi, ruth.adeyemi@beacon-victim-care.example",
              "Martin Shaw (Chief Executive), martin.shaw@beacon-victim-care.example",
              "Priya Shah", "Tom Ellis", 300_000, 4_500,
              "2024-04-01", "2027-03-31", "2029-03-31"),
    _contract("VS-002", "Independent sexual violence advisers (ISVA and children's ISVA)",
              "Harbour Sexual Violence Support",
              "Claire Donnelly, claire.donnelly@harbour-svs.example",
              "Dr Imran Qureshi (Director), imran.qureshi@harbour-svs.example",
              "Hannah Okafor", "Priya Shah", 380_000, 520,
              "2025-04-01", "2028-03-31", "2030-03-31"),
    _contract("VS-003", "Independent domestic violence advisers (IDVA), including high-risk Marac cases",
              "Safer Homes Advocacy Trust",
              "Leanne Briggs, leanne.briggs@saferhomes.example",
              "Paul Jarvis (Chief Executive), paul.jarvis@saferhomes.example",
              "Gareth Lloyd", None, 320_000, 600,
              "2025-04-01", "2028-03-31", "2030-03-31"),
    _contract("VS-004", "Young victims service (ages 5 to 18)",
              "Brightpath Young People's Services",
              "Sam Oduya, sam.oduya@brightpath.example",
              "Helen Marsh (Director of Services), helen.marsh@brightpath.example",
              "Tom Ellis", "Hannah Okafor", 480_000, 800,
              "2024-10-01", "2027-09-30", "2028-09-30"),
    _contract("VS-005", "Restorative justice service",
              "Common Ground Restorative Justice",
              "Owen Price, owen.price@commonground-rj.example",
              "Alison Kerr (Chair of Trustees), alison.kerr@commonground-rj.example",
              "Sian Parry", "Gareth Lloyd", 150_000, 320,
              "2024-07-01", "2027-06-30", None),
    _contract("VS-006", "Hate crime victims advocacy service",
              "Unity Hate Crime Advocacy",
              "Farah Iqbal, farah.iqbal@unity-hca.example",
              "Daniel Brooks (Chief Officer), daniel.brooks@unity-hca.example",
              "Sian Parry", "Priya Shah", 46_500, 240,
              "2024-04-01", "2027-01-31", None),
    _contract("VS-007", "Specialist counselling for survivors of sexual violence "
              "(shared with Surrey and Sussex OPCCs; this office is lead commissioner)",
              "Southern Counselling Partnership",
              "Dr Kate Lowe, kate.lowe@southern-counselling.example",
              "Neil Foster (Managing Director), neil.foster@southern-counselling.example",
              "Hannah Okafor", "Sian Parry", 1_200_000, 2_400,
              "2025-04-01", "2028-03-31", "2029-03-31"),
)

COUNT, PERCENT, DAYS, GBP, SCORE = "count", "percent", "days", "gbp", "score"
HIGHER, LOWER, INFO = "higher is better", "lower is better", "for information"
SUM, RATIO, MEAN, LATEST = "sum", "ratio of sums", "mean", "latest"

# The KPI menu: the core performance set every SLA picks from (reference §2), in our words.
# Percentages and averages kept as "ratio of sums" are returned as numerator and denominator.
STARTER_KPIS: tuple[Kpi, ...] = (
    Kpi("VS01", "Referrals received",
        "New referrals logged in the quarter from any source (police, self-referral, partner "
        "agency), each person counted once after duplicates are removed.", COUNT, INFO, SUM),
    Kpi("VS02", "Referrals successfully contacted",
        "Numerator: valid referrals where the victim was reached, or information was sent "
        "safely. Denominator: valid referrals received in the quarter.", PERCENT, HIGHER, RATIO),
    Kpi("VS03", "First contact attempted within 48 hours",
        "Numerator: referrals with a first contact attempt within 48 hours (two working days) "
        "of receipt. Denominator: referrals received in the quarter.", PERCENT, HIGHER, RATIO),
    Kpi("VS04", "High-risk domestic abuse contacted within 1 working day",
        "Numerator: high-risk (DASH or Marac) referrals with a contact attempt within one "
        "working day. Denominator: high-risk referrals received.", PERCENT, HIGHER, RATIO),
    Kpi("VS05", "Average working days to first contact",
        "Numerator: working days from referral to first successful contact, added up over "
        "the referrals contacted in the quarter. Denominator: referrals contacted. The year is "
        "total days over total referrals, not an average of averages.", DAYS, LOWER, RATIO),
    Kpi("VS06", "Needs assessment within 5 working days",
        "Numerator: needs assessments covering the eight categories of need completed within "
        "five working days of first contact. Denominator: victims who accepted support.",
        PERCENT, HIGHER, RATIO),
    Kpi("VS07", "Victims supported (new)",
        "People who accepted and started ongoing or enhanced support in the quarter. New "
        "starts only, so the quarters add up to the year. The target is per quarter.",
        COUNT, HIGHER, SUM),
    Kpi("VS08", "Open caseload at quarter end",
        "Cases open on the last day of the quarter. A stock, so the year reports the latest "
        "quarter.", COUNT, INFO, LATEST),
    Kpi("VS09", "Cases closed",
        "Cases closed in the quarter for any reason; the base for the outcome KPIs.",
        COUNT, INFO, SUM),
    Kpi("VS10", "Planned or positive closures",
        "Numerator: closures where the support plan goals were met or the ending was agreed "
        "with the victim. Denominator: all closures in the quarter.", PERCENT, HIGHER, RATIO),
    Kpi("VS11", "Improved health and wellbeing",
        "Numerator: closed cases reporting better health or wellbeing. Denominator: closed "
        "cases where this need was identified at assessment and measured at exit.",
        PERCENT, HIGHER, RATIO),
    Kpi("VS12", "Feel safer",
        "Numerator: closed cases reporting they feel safer. Denominator: closed cases where "
        "safety was identified at assessment and measured at exit.", PERCENT, HIGHER, RATIO),
    Kpi("VS16", "No further abuse at exit",
        "Numerator: closed cases with no repeat abuse reported since intake or the last "
        "review. Denominator: closed cases where this was measured.", PERCENT, HIGHER, RATIO),
    Kpi("VS17", "Service user satisfaction",
        "Numerator: exit-survey respondents satisfied or very satisfied with the service. "
        "Denominator: exit-survey respondents.", PERCENT, HIGHER, RATIO),
    Kpi("VS19", "Victims' Code information given",
        "Numerator: victims supported who were told of their Victims' Code rights (Victim "
        "Personal Statement, Right to Review, restorative justice). Denominator: victims "
        "supported.", PERCENT, HIGHER, RATIO),
    Kpi("VS21", "Restorative justice referrals progressed",
        "Numerator: RJ referrals where the victim consented and the case was assessed as "
        "suitable. Denominator: RJ referrals received.", PERCENT, HIGHER, RATIO),
    Kpi("VS22", "Restorative justice interventions completed",
        "Direct conferences plus indirect interventions (shuttle mediation, letters) completed "
        "in the quarter. The target is per quarter.", COUNT, HIGHER, SUM),
    Kpi("VS25", "Cost per victim supported",
        "Numerator: grant spent in the quarter (£). Denominator: victims supported (VS07). "
        "Read it beside the outcome KPIs: cheaper is not better if outcomes fall.",
        GBP, LOWER, RATIO),
    Kpi("VS26", "Wellbeing score at exit",
        "The average of victims' own wellbeing rating at case closure, on a scale of 1 (very "
        "poor) to 10 (very good), over closed cases that completed the exit check. The year is "
        "the mean of the quarters.", SCORE, HIGHER, MEAN),
)


def _sla(contract_id: str, rows, effective_from: str) -> list[SlaKpi]:
    """SLA rows from ``(KPI code, target, amber, mandatory)``; ``None`` target = for information."""
    period = parse_period_label(effective_from)
    def number(value):
        return None if value is None else float(value)

    return [SlaKpi(contract_id, code, number(target), number(amber), mandatory, period)
            for code, target, amber, mandatory in rows]


Y, N = True, False

# Targets are per quarter; percentages are fractions (0.95 is 95%). Higher-is-better KPIs
# have the amber threshold below the target, lower-is-better ones above it.
STARTER_SLA: tuple[SlaKpi, ...] = tuple(
    _sla("VS-001", [
        ("VS01", None, None, Y), ("VS02", 0.90, 0.80, Y), ("VS03", 0.95, 0.85, Y),
        ("VS05", 2.0, 3.0, Y), ("VS06", 0.90, 0.80, Y), ("VS07", 250, 215, Y),
        ("VS17", 0.90, 0.80, N), ("VS19", 0.95, 0.85, Y),
    ], "2024-25 Q1")
    + _sla("VS-002", [
        ("VS01", None, None, Y), ("VS03", 0.90, 0.80, Y), ("VS07", 112, 95, Y),
        ("VS08", None, None, N), ("VS10", 0.75, 0.65, Y), ("VS11", 0.75, 0.65, Y),
        ("VS12", 0.80, 0.70, Y), ("VS16", 0.85, 0.75, Y), ("VS25", 750, 850, Y),
        ("VS17", 0.90, 0.80, N),
    ], "2025-26 Q1")
    # The SLA review in 2026 raised the 48-hour contact standard for VS-002 from Q3.
    + _sla("VS-002", [("VS03", 0.95, 0.85, Y)], "2026-27 Q3")
    + _sla("VS-003", [
        ("VS01", None, None, Y), ("VS03", 0.95, 0.85, Y), ("VS04", 0.95, 0.85, Y),
        ("VS07", 125, 105, Y), ("VS08", None, None, Y), ("VS12", 0.80, 0.70, Y),
        ("VS16", 0.85, 0.75, Y), ("VS25", 550, 650, N),
    ], "2025-26 Q1")
    + _sla("VS-004", [
        ("VS01", None, None, Y), ("VS03", 0.95, 0.85, Y), ("VS06", 0.90, 0.80, Y),
        ("VS07", 170, 145, Y), ("VS10", 0.75, 0.65, Y), ("VS19", 0.95, 0.85, Y),
        ("VS25", 650, 750, Y), ("VS26", 7.0, 6.0, N),
    ], "2024-25 Q3")
    + _sla("VS-005", [
        ("VS01", None, None, Y), ("VS21", 0.40, 0.30, Y), ("VS22", 25, 20, Y),
        ("VS17", 0.90, 0.80, Y), ("VS09", None, None, N),
    ], "2024-25 Q2")
    + _sla("VS-006", [
        ("VS01", None, None, Y), ("VS03", 0.95, 0.85, Y), ("VS07", 40, 32, Y),
        ("VS12", 0.80, 0.70, Y), ("VS17", 0.90, 0.80, N), ("VS19", 0.95, 0.85, N),
    ], "2024-25 Q1")
    + _sla("VS-007", [
        ("VS01", None, None, Y), ("VS05", 5.0, 8.0, Y), ("VS07", 600, 520, Y),
        ("VS08", None, None, N), ("VS10", 0.75, 0.65, Y), ("VS11", 0.75, 0.65, Y),
        ("VS17", 0.90, 0.80, Y), ("VS25", 500, 575, Y), ("VS26", 7.0, 6.0, Y),
    ], "2025-26 Q1")
)

# Budget lines (reference §3) as (line, 2025-26 budget, 2026-27 budget); each year adds up
# to the contract's annual value.
_BUDGET_LINES = {
    "VS-001": [
        ("Staff salaries: caseworkers and assessment officers", 186_000, 190_000),
        ("Management and supervision", 42_000, 42_000),
        ("IT and case management system", 24_000, 22_000),
        ("Telephony, helpline and digital channels", 14_000, 13_000),
        ("Interpreting, translation and accessibility", 6_000, 6_000),
        ("Management fee and central overheads", 28_000, 27_000),
    ],
    "VS-002": [
        ("Staff salaries: ISVAs and children's ISVAs", 258_000, 262_000),
        ("Management and clinical supervision", 46_000, 46_000),
        ("Training and accreditation", 9_000, 7_000),
        ("Travel and subsistence (court accompaniment)", 12_000, 12_000),
        ("Premises and outreach room hire", 18_000, 17_000),
        ("Management fee and central overheads", 37_000, 36_000),
    ],
    "VS-003": [
        ("Staff salaries: IDVAs", 224_000, 228_000),
        ("Management and supervision", 38_000, 38_000),
        ("Training and accreditation", 8_000, 6_000),
        ("Travel and subsistence", 10_000, 10_000),
        ("Direct client costs and hardship fund (target hardening)", 9_000, 8_000),
        ("Management fee and central overheads", 31_000, 30_000),
    ],
    "VS-004": [
        ("Staff salaries: young people's caseworkers", 318_000, 322_000),
        ("Management and supervision", 52_000, 52_000),
        ("Sessional and locum cover", 14_000, 12_000),
        ("Communications, outreach and schools materials", 11_000, 10_000),
        ("Premises", 24_000, 24_000),
        ("IT and case management system", 16_000, 16_000),
        ("Management fee and central overheads", 45_000, 44_000),
    ],
    "VS-005": [
        ("Staff salaries: restorative justice facilitators", 96_000, 98_000),
        ("Volunteer expenses and volunteer management", 14_000, 14_000),
        ("Training and accreditation", 6_000, 5_000),
        ("Evaluation and quality mark (RSQM)", 4_000, 3_000),
        ("Travel and subsistence", 12_000, 12_000),
        ("Management fee and central overheads", 18_000, 18_000),
    ],
    "VS-006": [
        ("Staff salaries: hate crime caseworker", 31_500, 32_000),
        ("Volunteer expenses", 3_000, 3_000),
        ("Interpreting, translation and accessibility", 4_500, 4_000),
        ("Communications and community outreach", 3_000, 3_000),
        ("Management fee and central overheads", 4_500, 4_500),
    ],
    "VS-007": [
        ("Staff salaries: counsellors and therapists", 720_000, 735_000),
        ("Clinical supervision and management", 130_000, 130_000),
        ("Subcontracted delivery partners", 180_000, 175_000),
        ("Premises and counselling room hire", 60_000, 58_000),
        ("IT, case management and secure video sessions", 30_000, 28_000),
        ("Management fee and central overheads", 80_000, 74_000),
    ],
}
BUDGET_YEARS = (parse_fy("2025-26"), parse_fy("2026-27"))

STARTER_BUDGETS: tuple[Budget, ...] = tuple(
    Budget(contract_id, fy, line, float(amounts[i]))
    for contract_id, lines in _BUDGET_LINES.items()
    for i, fy in enumerate(BUDGET_YEARS)
    for line, *amounts in lines
)

_d = date.fromisoformat

STARTER_AUDITS: tuple[Audit, ...] = (
    Audit("VS-001", _d("2026-02-10"), "case file", "OPCC",
          "Triage notes good; two records lacked the date of the needs assessment."),
    Audit("VS-001", _d("2026-09-15"), "service user feedback", "provider",
          "Feedback positive; a second audit within 12 months, agreed with SMG by exception."),
    Audit("VS-002", _d("2026-03-04"), "performance indicator methodology", "OPCC",
          "48-hour contact counted from allocation, not receipt; corrected from 2026-27 Q1."),
    Audit("VS-003", _d("2026-05-20"), "security inspection", "OPCC",
          "Case files held securely; clear-desk reminder issued."),
    Audit("VS-004", _d("2025-12-08"), "customer journey", "provider",
          "Referral-to-support journey mapped; waiting list letters to be simplified."),
    Audit("VS-005", _d("2026-07-14"), "staff/volunteer", "OPCC",
          "Volunteer facilitators trained and supervised; DBS checks in date."),
    Audit("VS-006", _d("2025-06-12"), "financial", "OPCC",
          "Spend matched the budget lines; no findings."),
    Audit("VS-007", _d("2026-01-27"), "financial", "OPCC",
          "Subcontractor invoices reconciled for all three commissioning offices."),
)

STARTER_EXITS: tuple[ExitPlan, ...] = (
    ExitPlan("VS-001", "extend", _d("2026-09-25"), None, None, None),
    ExitPlan("VS-004", "re-tender", _d("2026-09-15"), _d("2026-10-02"), None, _d("2027-07-15")),
    # Decommissioned: the community hate crime service moves to the hub (VS-001) in 2027.
    ExitPlan("VS-006", "decommission", _d("2026-07-20"), _d("2026-08-10"), _d("2026-08-24"),
             None),
)

STARTER_DISPUTES: tuple[Dispute, ...] = (
    Dispute("VS-004", _d("2026-05-11"), "informal", "Raised at the quarterly meeting", None,
            _d("2026-05-20"), "resolved",
            "Late financial returns in 2025-26; the provider changed its month-end process."),
    Dispute("VS-003", _d("2026-10-05"), "formal", "Written notice issued", _d("2026-10-12"), None,
            "open",
            "High-risk referrals not contacted within one working day in Q1 and Q2; the "
            "recovery plan was not delivered. Dispute meeting still to be arranged."),
    Dispute("VS-002", _d("2026-07-20"), "informal", "Action plan agreed", None,
            _d("2026-07-29"), "open",
            "ISVA accreditation renewal and 48-hour contact counting; action plan agreed at "
            "the Q1 contract meeting.",
            action_plan_due=_d("2026-10-30")),
)

STARTER_CHECKLIST: tuple[ChecklistItem, ...] = tuple(
    ChecklistItem(contract_id, item, status, _d(expiry) if expiry else None)
    for contract_id, item, status, expiry in (
        ("VS-001", "Confidentiality agreements signed", "in place", None),
        ("VS-001", "Insurance (public and employer's liability)", "in place", "2027-03-31"),
        ("VS-001", "Data sharing agreement", "in place", "2027-03-31"),
        ("VS-002", "Accreditation certificate (ISVA)", "in place", "2026-08-31"),
        ("VS-002", "Insurance (public and employer's liability)", "in place", "2027-06-30"),
        ("VS-002", "DBS checks", "in place", "2027-01-31"),
        ("VS-003", "Accreditation certificate (IDVA)", "in place", "2027-05-31"),
        ("VS-003", "Insurance (public and employer's liability)", "in place", "2027-03-31"),
        ("VS-003", "Data sharing agreement", "in place", None),
        ("VS-004", "DBS checks", "in place", "2027-04-30"),
        ("VS-004", "Insurance (public and employer's liability)", "in place", "2027-09-30"),
        ("VS-004", "Confidentiality agreements signed", "in place", None),
        ("VS-005", "Accreditation certificate (Restorative Service Quality Mark)", "in place",
         "2027-11-30"),
        ("VS-005", "Insurance (public and employer's liability)", "in place", "2027-06-30"),
        ("VS-006", "Insurance (public and employer's liability)", "in place", "2027-03-31"),
        ("VS-006", "Data sharing agreement", "requested", None),
        ("VS-007", "Data sharing agreement (three commissioning offices)", "in place",
         "2028-03-31"),
        ("VS-007", "Accreditation certificate (counselling body organisational)", "in place",
         "2027-10-31"),
        ("VS-007", "Insurance (public and employer's liability)", "in place", "2027-03-31"),
    )
)
