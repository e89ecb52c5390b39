"""The catalogues are complete: a string the code marks and the catalogue misses fails here.

Each language other than English has `locale/<locale>/LC_MESSAGES/django.po`,
every entry translated (no fuzzy, no empty form), with the placeholders of its
English text, and the compiled `.mo` beside it says the same as the `.po`
(the `.mo` files are shipped, so a machine without gettext still works).
After adding or changing a string:

    .venv/bin/python manage.py makemessages -l zh_Hans -l ko -l es
    (translate the new entries)
    .venv/bin/python manage.py compilemessages --ignore=.venv
"""

import re
import shutil
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import to_locale

from invoices.explanations import money

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
PLURAL_FORMS = {"zh_Hans": 1, "ko": 1, "es": 2}
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / "django.po"))


def entries(locale: str) -> list[polib.POEntry]:
    return [entry for entry in catalogue(locale) if not entry.obsolete]


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def test_every_language_but_english_has_a_catalogue_and_its_compiled_copy():
    # given the site's languages
    assert set(TRANSLATED) == set(PLURAL_FORMS)
    # then
    for locale in TRANSLATED:
        assert (LOCALE_DIR / locale / "LC_MESSAGES" / "django.po").is_file(), locale
        assert (LOCALE_DIR / locale / "LC_MESSAGES" / "django.mo").is_file(), locale


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(locale):
    # given
    po = catalogue(locale)
    # then
    assert not po.metadata_is_fuzzy
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    empty_forms = [
        entry.msgid for entry in entries(locale) if entry.msgid_plural and not all(entry.msgstr_plural.values())
    ]
    assert untranslated == [], f"{len(untranslated)} untranslated in {locale}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy in {locale}"
    assert empty_forms == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_plural_entries_have_the_languages_number_of_forms(locale):
    # given
    po = catalogue(locale)
    expected = PLURAL_FORMS[locale]
    # then
    assert f"nplurals={expected};" in po.metadata["Plural-Forms"].replace(" ", "")
    wrong = [entry.msgid for entry in entries(locale) if entry.msgid_plural and len(entry.msgstr_plural) != expected]
    assert wrong == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_the_placeholders_of_the_english_text(locale):
    # given
    mismatched = []
    for entry in entries(locale):
        # when
        if entry.msgid_plural:
            english = {tuple(placeholders(entry.msgid)), tuple(placeholders(entry.msgid_plural))}
            # a one-form language may drop the count from the plural's text
            wrong = [form for form in entry.msgstr_plural.values() if tuple(placeholders(form)) not in english]
        else:
            wrong = [entry.msgstr] if placeholders(entry.msgstr) != placeholders(entry.msgid) else []
        mismatched += [(entry.msgid, form) for form in wrong]
    # then
    assert mismatched == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_the_compiled_catalogue_is_up_to_date_with_its_source(locale):
    # given
    compiled = polib.mofile(str(LOCALE_DIR / locale / "LC_MESSAGES" / "django.mo"))
    # when
    source = {key(entry): (entry.msgstr, entry.msgstr_plural) for entry in entries(locale) if entry.translated()}
    shipped = {key(entry): (entry.msgstr, entry.msgstr_plural) for entry in compiled if entry.msgid}
    # then
    assert shipped == source, "run: manage.py compilemessages --ignore=.venv"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext (apt-get install gettext)")
def test_every_string_the_code_marks_is_in_every_catalogue(tmp_path, settings, monkeypatch):
    # given the project seen through links, with a copy of the catalogues, so the real ones stay as they are
    # (makemessages writes next to the nearest locale folder above each source file)
    project = tmp_path / "project"
    project.mkdir()
    for item in Path(settings.BASE_DIR).iterdir():
        if item.name not in {"locale", "var"} and not item.name.startswith("."):
            (project / item.name).symlink_to(item)
    shutil.copytree(LOCALE_DIR, project / "locale")
    settings.LOCALE_PATHS = [project / "locale"]
    monkeypatch.chdir(project)
    # when makemessages collects what the code marks now
    call_command("makemessages", locale=[TRANSLATED[0]], symlinks=True, verbosity=0)
    fresh = polib.pofile(str(project / "locale" / TRANSLATED[0] / "LC_MESSAGES" / "django.po"))
    marked = {key(entry) for entry in fresh if not entry.obsolete}
    # then
    for locale in TRANSLATED:
        missing = sorted(marked - {key(entry) for entry in entries(locale)})
        assert missing == [], f"{locale} misses {len(missing)} marked strings: run makemessages and translate them"


@pytest.mark.parametrize(
    "language, expected",
    [("en", "10,300.00 CNY"), ("es", "10\xa0300,00 CNY"), ("ko", "10,300.00 CNY"), ("zh-hans", "10300.00 CNY")],
)
def test_money_in_explanations_is_written_as_the_language_writes_numbers(language, expected):
    # when
    with translation.override(language):
        written = money(Decimal("10300"), "CNY")
    # then
    assert written == expected
