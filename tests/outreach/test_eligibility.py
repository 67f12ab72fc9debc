"""Eligibility rules as data: the starter rules load with their examples; a rule whose example, check or
fact is wrong is refused with its file and line (pure: no database)."""

from __future__ import annotations

from pathlib import Path

from onego.catalog.rules.expressions import QuestionSpec
from onego.outreach.eligibility import EVENT_KINDS, check_package_answers, matches, read_rules

RULE = """\
rules:
  - code: newborn-parents
    name: 孩子出生
    explanation: 出生后提醒父母
    event: birth_registered
    notify: [mother, father]
    package: newborn-birth
    message: 恭喜
    when:
      - check: "birth.in_province"
      - check: "birth.days_ago <= 60"
    examples:
      - name: 十天
        facts: {birth.in_province: true, birth.days_ago: 10}
        expect: offer
      - name: 省外
        facts: {birth.in_province: false, birth.days_ago: 10}
        expect: {EXPECT}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_starter_rules_load_and_their_examples_pass() -> None:
    ruleset = read_rules()
    assert ruleset.issues == ()
    codes = {r.code: r for r in ruleset.rules}
    assert set(codes) == {"newborn-parents", "retirement-soon", "disability-certificate-renewal"}
    assert codes["newborn-parents"].package == "newborn-birth"
    assert codes["retirement-soon"].event == "retirement_approaching"
    assert all(len({x.expect for x in r.examples}) == 2 for r in ruleset.rules)


def test_a_rule_matches_the_facts_its_checks_hold_over() -> None:
    rule = read_rules().by_code("retirement-soon")
    assert rule is not None
    assert matches(rule, {"insurance.status": "paying", "retirement.days_left": 92})
    assert not matches(rule, {"insurance.status": "paying", "retirement.days_left": 93})
    assert not matches(rule, {"insurance.status": "paying", "retirement.days_left": -1})
    assert not matches(rule, {"retirement.days_left": 30})  # a missing fact never matches


def test_a_rule_with_a_failing_example_is_refused_with_file_and_line(tmp_path: Path) -> None:
    ruleset = read_rules(write(tmp_path, RULE.replace("{EXPECT}", "offer")))
    assert ruleset.rules == ()
    [issue] = [i for i in ruleset.issues if "示例“省外”" in str(i)]
    assert issue.file == "rules.yaml"
    assert issue.line == 16  # the line of the failing example
    assert "示例“省外”期望 offer，规则实际为 none（不满足：" in str(issue)
    assert str(issue).startswith("rules.yaml:16:")


def test_the_same_rule_with_a_right_example_is_accepted(tmp_path: Path) -> None:
    ruleset = read_rules(write(tmp_path, RULE.replace("{EXPECT}", "none")))
    assert ruleset.issues == ()
    assert [r.code for r in ruleset.rules] == ["newborn-parents"]


def test_a_check_on_an_unknown_fact_or_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    text = RULE.replace("{EXPECT}", "none").replace('"birth.days_ago <= 60"', "\"birth.days_ago == 'ten'\"")
    text = text.replace('"birth.in_province"', '"birth.weight > 3000"')
    ruleset = read_rules(write(tmp_path, text))
    assert ruleset.rules == ()
    messages = " ".join(str(i) for i in ruleset.issues)
    assert "未知的事实“birth.weight”" in messages
    assert "rules.yaml:10:" in messages  # the line of the first check


def test_a_rule_needs_an_offer_and_a_none_example(tmp_path: Path) -> None:
    text = RULE.replace("{EXPECT}", "offer").replace("birth.in_province: false", "birth.in_province: true")
    ruleset = read_rules(write(tmp_path, text))
    assert ruleset.rules == ()
    assert "缺少 expect: none" in ruleset.problems_text()


def test_a_role_the_event_does_not_have_is_refused(tmp_path: Path) -> None:
    text = RULE.replace("{EXPECT}", "none").replace("[mother, father]", "[mother, grandmother]")
    ruleset = read_rules(write(tmp_path, text))
    assert ruleset.rules == ()
    assert "“grandmother”不是“出生医学证明签发”事件中的身份" in ruleset.problems_text()


def test_answers_must_name_the_package_questions_and_allowed_values() -> None:
    rule = read_rules().by_code("retirement-soon")
    assert rule is not None
    good = {"retirement_type": QuestionSpec("retirement_type", "choice", ("正常退休", "弹性延迟退休"))}
    assert check_package_answers(rule, package_exists=True, questions=good) == []
    bad = {"retirement_type": QuestionSpec("retirement_type", "choice", ("弹性延迟退休",))}
    [problem] = check_package_answers(rule, package_exists=True, questions=bad)
    assert "答案“正常退休”不在可选项中" in problem
    assert problem.startswith("person.yaml:")
    assert (
        "目录中没有一件事“retirement”" in check_package_answers(rule, package_exists=False, questions={})[0]
    )


def test_every_event_kind_names_its_registry_and_roles() -> None:
    assert EVENT_KINDS["birth_registered"].roles == {"mother": "母亲", "father": "父亲"}
    assert {k.registry for k in EVENT_KINDS.values()} == {"birth_medical", "social_insurance", "disability"}
