"""Entering holiday notices: the service, the selector, the admin and `onego calendar`."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from onego.core.models import HolidayDate, HolidayDateKind, HolidayYear
from onego.core.services import NoticeInvalid, calendar_enter_year, working_calendar
from onego.core.workdays import DayKind, Deadline, YearSource

D = dt.date.fromisoformat
SHANGHAI = ZoneInfo("Asia/Shanghai")
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "holidays-2027.yaml"

pytestmark = pytest.mark.django_db


def span(first: str, last: str, name: str) -> list[tuple[dt.date, str]]:
    start, end = D(first), D(last)
    return [(start + dt.timedelta(days=i), name) for i in range((end - start).days + 1)]


def enter_2027(**overrides: object) -> HolidayYear:
    kwargs: dict[str, object] = {
        "year": 2027,
        "holidays": span("2027-01-01", "2027-01-03", "元旦") + span("2027-02-05", "2027-02-13", "春节"),
        "adjusted_workdays": [(D("2027-01-31"), "春节"), (D("2027-02-20"), "春节")],
        "source": "测试用通知",
        "entered_by": "admin",
    }
    kwargs.update(overrides)
    return calendar_enter_year(**kwargs)  # type: ignore[arg-type]


# --- the service and the selector ---------------------------------------------------------------


def test_entering_a_year_stores_its_dates_and_who_entered_it() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), tick=False):
        year = enter_2027()
    assert year.year == 2027
    assert year.source == "测试用通知"
    assert year.entered_by == "admin"
    assert year.entered_at == dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)
    assert year.dates.filter(kind=HolidayDateKind.HOLIDAY).count() == 12
    assert year.dates.get(date=D("2027-01-31")).kind == HolidayDateKind.ADJUSTED_WORKDAY


def test_working_calendar_reads_entered_years_once_then_only_checks_they_are_unchanged(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    enter_2027()
    with django_assert_num_queries(2):  # the fingerprint, then the notices
        cal = working_calendar()
    assert cal.year_source(2027) == YearSource.ENTERED
    assert cal.day_kind(D("2027-02-08")) == DayKind.HOLIDAY
    assert cal.day_kind(D("2027-02-20")) == DayKind.ADJUSTED_WORKDAY
    assert cal.day_name(D("2027-01-01")) == "元旦"
    assert cal.year_source(2026) == YearSource.LIBRARY
    with django_assert_num_queries(1):  # the fingerprint only
        again = working_calendar()
    assert again is cal


def test_without_entered_years_the_calendar_costs_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    for _ in range(2):
        with django_assert_num_queries(1):
            cal = working_calendar()
        assert cal.entered_years == ()
        assert cal.year_source(2027) == YearSource.PROVISIONAL


def test_the_shared_calendar_cannot_be_changed_by_a_caller() -> None:
    enter_2027()
    names = working_calendar().notice(2027).names  # type: ignore[union-attr]
    with pytest.raises(TypeError):
        names[D("2027-03-01")] = "植树节"  # type: ignore[index]
    assert working_calendar().day_name(D("2027-03-01")) == ""


# Nothing in the process is told about a write: whoever makes it (this process, another one, the
# admin, a raw UPDATE), the next call sees it because the digest it reads has changed.


def test_a_year_entered_is_seen_by_the_next_call() -> None:
    assert working_calendar().year_source(2027) == YearSource.PROVISIONAL
    enter_2027()
    assert working_calendar().year_source(2027) == YearSource.ENTERED


def test_a_year_re_entered_with_as_many_days_is_seen_by_the_next_call() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI), tick=False):
        enter_2027()
        enter_2027(year=2028, holidays=span("2028-01-01", "2028-01-03", "元旦"), adjusted_workdays=[])
        assert not working_calendar().is_workday(D("2027-02-08"))
        # Same number of rows, same clock tick: only what the rows say has changed.
        enter_2027(
            holidays=span("2027-01-01", "2027-01-03", "元旦") + span("2027-05-01", "2027-05-09", "劳动节")
        )
        cal = working_calendar()
    assert cal.is_workday(D("2027-02-08"))
    assert cal.day_kind(D("2027-05-06")) == DayKind.HOLIDAY


def test_a_date_changed_or_deleted_past_the_service_is_seen_by_the_next_call() -> None:
    year = enter_2027()
    assert working_calendar().day_name(D("2027-01-01")) == "元旦"
    HolidayDate.objects.filter(date=D("2027-01-01")).update(name="新年")  # no save(), no updated_at
    assert working_calendar().day_name(D("2027-01-01")) == "新年"
    HolidayDate.objects.filter(date=D("2027-01-31")).update(kind=HolidayDateKind.HOLIDAY)
    assert working_calendar().day_kind(D("2027-01-31")) == DayKind.HOLIDAY
    year.dates.get(date=D("2027-01-01")).delete()
    assert working_calendar().is_workday(D("2027-01-01"))
    HolidayYear.objects.filter(pk=year.pk).update(year=2026)  # renumbered
    cal = working_calendar()
    assert cal.year_source(2027) == YearSource.PROVISIONAL
    assert cal.entered_years == (2026,)


@pytest.mark.postgres_only
def test_a_year_committed_by_another_connection_is_seen_by_the_next_call() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set ONEGO_DATABASE_URL=postgres://...)")
    import psycopg

    params = {k: v for k, v in connection.get_connection_params().items() if k != "context"}
    assert working_calendar().year_source(2031) == YearSource.PROVISIONAL
    with psycopg.connect(**params, autocommit=True) as other:  # another process, in effect
        other.execute(
            "INSERT INTO core_holidayyear (id, created_at, updated_at, year, source, entered_by, entered_at)"
            " VALUES (gen_random_uuid(), now(), now(), 2031, 'elsewhere', 'x', now())"
        )
        try:
            assert working_calendar().year_source(2031) == YearSource.ENTERED
        finally:
            other.execute("DELETE FROM core_holidayyear WHERE year = 2031")
    assert working_calendar().year_source(2031) == YearSource.PROVISIONAL


def test_a_year_entered_in_a_rolled_back_transaction_is_forgotten() -> None:
    seen_inside: list[YearSource] = []

    def enter_then_fail() -> None:
        with transaction.atomic():
            enter_2027()
            seen_inside.append(working_calendar().year_source(2027))  # its own change
            raise RuntimeError

    with pytest.raises(RuntimeError):
        enter_then_fail()
    assert seen_inside == [YearSource.ENTERED]
    assert working_calendar().year_source(2027) == YearSource.PROVISIONAL


def test_re_entering_a_year_replaces_its_dates() -> None:
    first = enter_2027()
    again = enter_2027(holidays=span("2027-01-01", "2027-01-01", "元旦"), adjusted_workdays=[], source="更正")
    assert again.pk == first.pk
    assert HolidayYear.objects.count() == 1
    assert list(HolidayDate.objects.values_list("date", flat=True)) == [D("2027-01-01")]
    assert working_calendar().is_workday(D("2027-02-08"))


def test_a_year_entered_without_dates_still_overrides_the_library() -> None:
    calendar_enter_year(year=2025, holidays=[], adjusted_workdays=[], source="测试", entered_by="admin")
    cal = working_calendar()
    assert cal.year_source(2025) == YearSource.ENTERED
    assert cal.is_workday(D("2025-10-01"))


def test_invalid_notice_is_refused_whole_with_every_problem() -> None:
    with pytest.raises(NoticeInvalid) as caught:
        enter_2027(
            holidays=[(D("2026-12-31"), "元旦"), (D("2027-02-06"), "春节"), (D("2027-02-06"), "春节")],
            adjusted_workdays=[(D("2027-02-06"), "春节"), (D("2027-02-08"), "春节")],
            source=" ",
        )
    assert caught.value.problems == [
        "请填写依据文件（例如：国办发明电〔2026〕X号）",
        "2027-02-06 在放假日中重复列出",
        "2026-12-31 不属于 2027 年，请在 2026 年的放假安排中录入",
        "2027-02-06 同时列为放假日和调休上班日，只能是其中之一",
        "2027-02-08 是星期一，本来就是工作日，不能列为调休上班日（调休上班日应为周六或周日）",
    ]
    assert caught.value.code == "invalid"
    assert not HolidayYear.objects.exists()


def test_invalid_re_entry_keeps_the_previous_entry() -> None:
    enter_2027()
    with pytest.raises(NoticeInvalid):
        enter_2027(adjusted_workdays=[(D("2027-02-08"), "春节")])
    assert HolidayDate.objects.count() == 14


def test_provisional_deadline_becomes_final_once_the_year_is_entered() -> None:
    before = working_calendar().add_working_days(D("2026-12-15"), 20)
    assert before == Deadline(due=D("2027-01-12"), provisional=True, provisional_years=(2027,))
    enter_2027()
    after = working_calendar().add_working_days(D("2026-12-15"), 20)
    assert after == Deadline(due=D("2027-01-13"), provisional=False, provisional_years=())


def test_model_clean_refuses_a_date_of_another_year_in_chinese() -> None:
    year = enter_2027()
    with pytest.raises(ValidationError) as caught:
        HolidayDate(year=year, date=D("2026-12-31"), kind=HolidayDateKind.HOLIDAY).full_clean()
    assert caught.value.message_dict["date"] == ["2026-12-31 不属于 2027 年，请在 2026 年的放假安排中录入"]


def test_model_clean_refuses_a_weekday_as_adjusted_workday() -> None:
    year = enter_2027()
    with pytest.raises(ValidationError, match="本来就是工作日"):
        HolidayDate(year=year, date=D("2027-03-01"), kind=HolidayDateKind.ADJUSTED_WORKDAY).full_clean()


# --- the admin ----------------------------------------------------------------------------------


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser("calendar-admin", "a@example.org", "pw-for-tests-only")
    client = Client()
    client.force_login(user)
    return client


def inline_post(year: int, source: str, rows: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {
        "year": str(year),
        "source": source,
        "dates-TOTAL_FORMS": str(len(rows)),
        "dates-INITIAL_FORMS": "0",
        "dates-MIN_NUM_FORMS": "0",
        "dates-MAX_NUM_FORMS": "1000",
    }
    for i, (day, kind, name) in enumerate(rows):
        data |= {f"dates-{i}-date": day, f"dates-{i}-kind": kind, f"dates-{i}-name": name}
    return data


@pytest.mark.urls("tests.core.admin_urls")
def test_admin_adds_a_year_through_the_service(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/admin/core/holidayyear/add/",
        inline_post(
            2027,
            "测试用通知",
            [("2027-01-01", "holiday", "元旦"), ("2027-01-31", "adjusted_workday", "春节")],
        ),
    )
    assert response.status_code == 302, response.content.decode()
    year = HolidayYear.objects.get(year=2027)
    assert year.entered_by == "calendar-admin"
    assert {(d.date, d.kind) for d in year.dates.all()} == {
        (D("2027-01-01"), "holiday"),
        (D("2027-01-31"), "adjusted_workday"),
    }
    assert working_calendar().year_source(2027) == YearSource.ENTERED


@pytest.mark.urls("tests.core.admin_urls")
def test_admin_refuses_a_date_in_another_year(admin_client_: Client) -> None:
    response = admin_client_.post(
        "/admin/core/holidayyear/add/", inline_post(2027, "测试", [("2026-12-31", "holiday", "元旦")])
    )
    assert response.status_code == 200
    assert "2026-12-31 不属于 2027 年" in response.content.decode()
    assert not HolidayYear.objects.exists()


@pytest.mark.urls("tests.core.admin_urls")
def test_admin_refuses_a_date_listed_as_both(admin_client_: Client) -> None:
    rows = [("2027-01-31", "holiday", "春节"), ("2027-01-31", "adjusted_workday", "春节")]
    response = admin_client_.post("/admin/core/holidayyear/add/", inline_post(2027, "测试", rows))
    assert response.status_code == 200
    assert "2027-01-31 同时列为放假和调休上班，只能是其中之一" in response.content.decode()
    assert not HolidayYear.objects.exists()


def without_spring_festival(year: HolidayYear) -> dict[str, str]:
    """The admin's change form for `year`, its 春节 rows ticked for deletion."""
    existing = list(year.dates.order_by("date"))
    data = inline_post(year.year, "更正后的通知", [])
    data |= {"dates-TOTAL_FORMS": str(len(existing)), "dates-INITIAL_FORMS": str(len(existing))}
    for i, row in enumerate(existing):
        data |= {
            f"dates-{i}-id": str(row.pk),
            f"dates-{i}-year": str(year.pk),
            f"dates-{i}-date": row.date.isoformat(),
            f"dates-{i}-kind": row.kind,
            f"dates-{i}-name": row.name,
        }
        if row.name == "春节":
            data[f"dates-{i}-DELETE"] = "on"
    return data


@pytest.mark.urls("tests.core.admin_urls")
def test_admin_edit_replaces_the_dates(admin_client_: Client) -> None:
    year = enter_2027()
    response = admin_client_.post(f"/admin/core/holidayyear/{year.pk}/change/", without_spring_festival(year))
    assert response.status_code == 302, response.content.decode()
    year.refresh_from_db()
    assert year.source == "更正后的通知"
    assert sorted(d.date for d in year.dates.all()) == [D("2027-01-01"), D("2027-01-02"), D("2027-01-03")]


@pytest.mark.urls("tests.core.admin_urls")
def test_a_year_deleted_in_the_admin_is_seen_by_the_next_call(admin_client_: Client) -> None:
    # The admin deletes only a year without dates (dates are read-only there, so a year with
    # dates cannot be deleted with them); such a year still overrides the library.
    year = calendar_enter_year(
        year=2025, holidays=[], adjusted_workdays=[], source="测试", entered_by="admin"
    )
    assert working_calendar().is_workday(D("2025-10-01"))
    response = admin_client_.post(f"/admin/core/holidayyear/{year.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content.decode()
    assert not working_calendar().is_workday(D("2025-10-01"))


@pytest.mark.urls("tests.core.admin_urls")
def test_a_year_edited_in_the_admin_is_seen_by_the_next_call(admin_client_: Client) -> None:
    year = enter_2027()
    assert not working_calendar().is_workday(D("2027-02-08"))
    response = admin_client_.post(f"/admin/core/holidayyear/{year.pk}/change/", without_spring_festival(year))
    assert response.status_code == 302, response.content.decode()
    assert working_calendar().is_workday(D("2027-02-08"))


@pytest.mark.urls("tests.core.admin_urls")
def test_admin_lists_years_and_dates_read_only(admin_client_: Client) -> None:
    enter_2027()
    years = admin_client_.get("/admin/core/holidayyear/")
    assert years.status_code == 200
    assert "日历库已知 2004–" in years.content.decode()
    assert admin_client_.get("/admin/core/holidaydate/").status_code == 200
    assert admin_client_.get("/admin/core/holidaydate/add/").status_code == 403


# --- onego calendar import ----------------------------------------------------------------------


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("calendar", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_the_example_file() -> None:
    out, err = run("import", str(EXAMPLE), "--entered-by", "tester")
    assert "已录入 2027 年放假安排：放假 29 天，调休上班 5 天" in out
    assert err == ""
    year = HolidayYear.objects.get(year=2027)
    assert "示例" in year.source  # the example says it is one, wherever it ends up
    assert year.entered_by == "tester"
    assert working_calendar().day_kind(D("2027-10-09")) == DayKind.ADJUSTED_WORKDAY


def test_import_dry_run_stores_nothing() -> None:
    out, _ = run("import", str(EXAMPLE), "--dry-run")
    assert "检查通过" in out
    assert not HolidayYear.objects.exists()


BAD_YAML = """\
year: 2027
source: 测试
holidays:
  - {date: 2027-01-01, name: 元旦}
  - {date: 2026-12-31, name: 元旦}
  - {from: 2027-02-05, to: 2027-02-07, name: 春节}
  - {date: 2027-13-01}
  - {from: 2027-05-05, to: 2027-05-01}
  - {date: 2027-06-09, day: 端午}
adjusted_workdays:
  - {date: 2027-02-07, name: 春节}
  - {date: 2027-02-08, name: 春节}
  - 2027-01-01
colour: red
"""


def test_import_reports_every_error_with_file_and_line_and_stores_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.yaml", BAD_YAML)
    with pytest.raises(CommandError) as caught:
        run("import", str(path))
    lines = str(caught.value).splitlines()
    f = str(path)
    assert lines == [
        "放假安排有误，未导入任何内容：",
        f"{f}:5: 2026-12-31 不属于 2027 年，请在 2026 年的放假安排中录入",
        f"{f}:7: holidays：日期“2027-13-01”应写作 YYYY-MM-DD",
        f"{f}:8: holidays：结束日期 2027-05-01 早于开始日期 2027-05-05",
        f"{f}:9: holidays：未知字段 day（可用：date、from、to、name）",
        f"{f}:11: 2027-02-07 已在第 6 行列为放假，不能同时是调休上班",
        f"{f}:12: 2027-02-08 是星期一，本来就是工作日，不能列为调休上班日（调休上班日应为周六或周日）",
        f"{f}:13: 2027-01-01 是星期五，本来就是工作日，不能列为调休上班日（调休上班日应为周六或周日）",
        f"{f}:13: 2027-01-01 已在第 4 行列为放假，不能同时是调休上班",
        f"{f}:14: 未知字段“colour”（可用：year、source、holidays、adjusted_workdays）",
    ]
    assert not HolidayYear.objects.exists()


def test_import_names_a_yaml_syntax_error_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", "year: 2027\nsource: x\nholidays:\n  - {date: 2027-01-01\n")
    with pytest.raises(CommandError, match=r"broken\.yaml:\d+: YAML 语法错误"):
        run("import", str(path))


def test_import_needs_year_and_source(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.yaml", "holidays: []\n")
    with pytest.raises(CommandError) as caught:
        run("import", str(path))
    assert "缺少字段 year" in str(caught.value)
    assert "缺少字段 source" in str(caught.value)


def test_import_is_all_or_nothing_across_files(tmp_path: Path) -> None:
    bad = write(tmp_path, "2028.yaml", "year: 2028\nsource: 测试\nholidays:\n  - 2027-12-31\n")
    with pytest.raises(CommandError, match=r"2028\.yaml:4: 2027-12-31 不属于 2028 年"):
        run("import", str(EXAMPLE), str(bad))
    assert not HolidayYear.objects.exists()


def test_import_refuses_the_same_year_twice(tmp_path: Path) -> None:
    copy = write(tmp_path, "copy.yaml", EXAMPLE.read_text(encoding="utf-8"))
    with pytest.raises(CommandError, match="2027 年已在"):
        run("import", str(EXAMPLE), str(copy))


def test_import_csv_with_year_and_source_on_the_command_line(tmp_path: Path) -> None:
    text = "\ufeffdate,to,kind,name\n2027-01-01,2027-01-03,放假,元旦\n2027-01-31,,调休上班,春节\n\n"
    path = write(tmp_path, "2027.csv", text)
    out, _ = run("import", str(path), "--year", "2027", "--source", "测试 CSV")
    assert "放假 3 天，调休上班 1 天" in out
    assert HolidayYear.objects.get(year=2027).source == "测试 CSV"


def test_import_csv_errors_name_the_row(tmp_path: Path) -> None:
    text = "date,kind,name\n2027-01-01,放假,元旦\n2027-02-08,上班,春节\n2027-02-09,休息,\n"
    path = write(tmp_path, "2027.csv", text)
    with pytest.raises(CommandError) as caught:
        run("import", str(path), "--year", "2027", "--source", "测试")
    message = str(caught.value)
    assert f"{path}:3: 2027-02-08 是星期一" in message
    assert f"{path}:4: kind：“休息”无效" in message


def test_import_csv_without_year_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "2027.csv", "date,kind\n2027-01-01,holiday\n")
    with pytest.raises(CommandError, match="--year 和 --source"):
        run("import", str(path))


def test_import_over_a_library_year_warns_about_the_differences(tmp_path: Path) -> None:
    path = write(
        tmp_path, "2026.yaml", "year: 2026\nsource: 测试\nholidays:\n  - {from: 2026-01-01, to: 2026-01-03}\n"
    )
    _, err = run("import", str(path))
    assert "日历库已有 2026 年数据" in err
    assert "2026-01-04" in err  # the library's adjusted workday the entry lacks
    assert "5月1日" in err  # and the entry is visibly incomplete


# --- onego calendar show / check ----------------------------------------------------------------


def test_show_lists_a_library_year() -> None:
    out, _ = run("show", "2025", "--list")
    assert out.splitlines()[0] == "2025年  来源：日历库 chinesecalendar 1.11.0"
    assert "2025-09-28  星期日  调休上班  国庆节" in out
    assert "2025-10-01  星期三  放假      国庆节" in out


def test_show_grid_marks_days_off_and_days_worked() -> None:
    out, _ = run("show", "2025")
    october = out.split("10月\n")[1].split("11月")[0].splitlines()
    # October 2025 starts on a Wednesday; every cell is four columns and a space.
    assert october[1] == " " * 10 + " 1休  2休  3休  4休  5休"
    assert october[2] == " 6休  7休  8休  9   10   11班 12"


def test_show_says_an_unknown_year_is_provisional_until_entered() -> None:
    out, _ = run("show", "2027", "--list")
    assert "暂定" in out
    enter_2027()
    out, _ = run("show", "2027", "--list")
    assert "来源：已录入（依据：测试用通知；admin" in out
    assert "2027-01-31  星期日  调休上班  春节" in out


def test_check_fails_while_next_year_is_unknown_and_passes_once_entered() -> None:
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI), tick=False):
        with pytest.raises(CommandError) as caught:
            run("check")
        assert caught.value.returncode == 1
        enter_2027(
            holidays=span("2027-01-01", "2027-01-03", "元旦")
            + span("2027-05-01", "2027-05-05", "劳动节")
            + span("2027-10-01", "2027-10-07", "国庆节")
        )
        out, _ = run("check")
    assert "2026：日历库，放假 33 天，调休上班 6 天" in out
    assert "2027：已录入，放假 15 天，调休上班 2 天" in out
    assert "提醒" not in out


def test_check_warns_about_an_incomplete_entry() -> None:
    enter_2027()
    out, _ = run("check", "2027")
    assert "5月1日、5月2日、10月1日、10月2日、10月3日 没有列为放假日" in out


def test_import_refuses_an_empty_source_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "2027.yaml", "year: 2027\nsource: ''\nholidays: []\n")
    with pytest.raises(CommandError, match=r"2027\.yaml:2: source 不能为空"):
        run("import", str(path))
