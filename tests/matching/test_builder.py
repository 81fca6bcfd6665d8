import pytest

from matching.builder import build_cohort
from matching.cohort import DepartmentMode, QuestionMode
from matching.models import MatchingSettings, MentorRequest, PairBlock
from matching.scoring import Rule, Scorer
from tests.factories import (
    AnswerFactory,
    EnrolmentFactory,
    MatchFactory,
    ProgrammeFactory,
    QuestionFactory,
    SkillFactory,
    UserFactory,
)


@pytest.fixture
def matching_programme(coordinator):
    return ProgrammeFactory(status="matching", coordinators=[coordinator], default_mentor_capacity=2)


def enrol(programme, role, **profile):
    user_fields = {k.removeprefix("user__"): v for k, v in profile.items() if k.startswith("user__")}
    enrolment = EnrolmentFactory(programme=programme, role=role, user=UserFactory(**user_fields))
    fields = {k: v for k, v in profile.items() if not k.startswith("user__")}
    skills = fields.pop("skills", [])
    if fields:
        for name, value in fields.items():
            setattr(enrolment.user.profile, name, value)
        enrolment.user.profile.save()
    if skills:
        relation = "skills_wanted" if role == "mentee" else "skills_offered"
        getattr(enrolment.user.profile, relation).add(*skills)
    return enrolment


def test_settings_are_created_with_defaults_and_reverse_follows_the_programme_kind(matching_programme):
    matching_programme.kind = "reverse"
    matching_programme.save()

    built = build_cohort(matching_programme)

    assert not MatchingSettings.objects.filter(programme=matching_programme).exists()  # read, never written
    assert built.settings.reverse_mentoring is True
    assert built.settings.department_mode == DepartmentMode.PREFER_DIFFERENT
    assert built.cohort.n_mentees == 0


def test_profile_fields_become_cohort_columns(matching_programme):
    python, sql = SkillFactory(name="Python"), SkillFactory(name="SQL")
    mentee = enrol(
        matching_programme, "mentee", skills=[python], languages=["en", "da"], seniority=2,
        department="Sales", location="Berlin", user__timezone="Europe/Copenhagen",
    )  # fmt: skip
    mentor = enrol(
        matching_programme, "mentor", skills=[python, sql], languages=["en"], seniority=5,
        department="Finance", location="Berlin", user__timezone="America/New_York",
    )  # fmt: skip

    cohort = build_cohort(matching_programme).cohort

    vocabulary = cohort.vocabulary
    assert vocabulary.skills == ("Python", "SQL")
    assert vocabulary.departments == ("Finance", "Sales")
    assert vocabulary.locations == ("Berlin",)
    assert cohort.mentees.skills.tolist() == [[True, False]]
    assert cohort.mentors.skills.tolist() == [[True, True]]
    assert cohort.mentees.languages.sum() == 2
    assert cohort.mentors.languages.sum() == 1
    assert cohort.mentees.seniority.tolist() == [2]
    assert cohort.mentors.seniority.tolist() == [5]
    assert vocabulary.departments[cohort.mentees.department[0]] == "Sales"
    assert cohort.mentees.location[0] == cohort.mentors.location[0] == 0
    assert cohort.mentees.utc_offset[0] in (1.0, 2.0)
    assert cohort.mentors.utc_offset[0] in (-5.0, -4.0)
    assert cohort.mentees.user_ids.tolist() == [mentee.user_id]
    assert cohort.mentors.user_ids.tolist() == [mentor.user_id]
    assert cohort.mentor_capacity.tolist() == [2]


def test_unknown_values_stay_unknown(matching_programme):
    enrol(matching_programme, "mentee")
    enrol(matching_programme, "mentor")

    cohort = build_cohort(matching_programme).cohort

    assert cohort.mentees.seniority[0] == 0
    assert cohort.mentees.department[0] == -1
    assert cohort.mentees.utc_offset[0] == 0.0  # the site default, UTC


def test_single_choice_answers_and_question_modes(matching_programme):
    question = QuestionFactory(programme=matching_programme, kind="single_choice", choices=["In person", "Video"])
    QuestionFactory(programme=matching_programme, kind="short_text")
    mentee, mentor = enrol(matching_programme, "mentee"), enrol(matching_programme, "mentor")
    AnswerFactory(enrolment=mentee, question=question, value="Video")
    AnswerFactory(enrolment=mentor, question=question, value="Something else")
    MatchingSettings.objects.create(programme=matching_programme, question_modes={str(question.pk): "same"})

    built = build_cohort(matching_programme)

    assert [q.label for q in built.cohort.vocabulary.questions] == [question.label]
    assert built.cohort.mentees.answers.tolist() == [[1]]
    assert built.cohort.mentors.answers.tolist() == [[-1]]
    assert built.settings.question_modes == (QuestionMode.SAME,)


def test_eligibility_of_mentees(matching_programme):
    free = enrol(matching_programme, "mentee")
    matched = enrol(matching_programme, "mentee")
    requesting = enrol(matching_programme, "mentee")
    EnrolmentFactory(programme=matching_programme, role="mentee", status="applied")
    mentor = enrol(matching_programme, "mentor")
    MatchFactory(programme=matching_programme, mentor=mentor, mentee=matched, status="active")
    MentorRequest.objects.create(
        programme=matching_programme, mentee=requesting, mentor=mentor, expires_at="2099-01-01T00:00Z"
    )

    built = build_cohort(matching_programme)

    assert [e.pk for e in built.index.mentees] == [free.pk]


def test_mentors_need_a_place_and_drafts_do_not_count(matching_programme):
    roomy = enrol(matching_programme, "mentor")
    full = enrol(matching_programme, "mentor")
    paused = enrol(matching_programme, "mentor", is_paused=True)
    for _ in range(2):
        MatchFactory(programme=matching_programme, mentor=full, status="proposed")
    MatchFactory(programme=matching_programme, mentor=roomy, status="draft")

    built = build_cohort(matching_programme)

    assert [e.pk for e in built.index.mentors] == [roomy.pk]
    assert built.cohort.mentor_capacity.tolist() == [2]
    assert paused.pk not in [e.pk for e in built.index.mentors]


def test_manager_chain_follows_the_reporting_line(matching_programme):
    boss = UserFactory()
    middle = UserFactory()
    middle.profile.manager = boss
    middle.profile.save()
    mentee = enrol(matching_programme, "mentee", manager=middle)
    mentor = enrol(matching_programme, "mentor")
    mentor_as_boss = EnrolmentFactory(programme=matching_programme, role="mentor", user=boss)

    built = build_cohort(matching_programme)

    assert built.cohort.mentees.manager_chain(0).tolist() == [middle.pk, boss.pk]
    scorer = Scorer(built.cohort, built.settings)
    j = built.index.mentor_row(mentor_as_boss.pk)
    assert Rule.REPORTING_LINE in scorer.explain(built.index.mentee_row(mentee.pk), j).excluded_by
    assert scorer.explain(0, built.index.mentor_row(mentor.pk)).excluded_by != (Rule.REPORTING_LINE,)


def test_previous_pairs_blocks_and_locks(matching_programme, coordinator):
    mentee, other_mentee = enrol(matching_programme, "mentee"), enrol(matching_programme, "mentee")
    declined_mentor, blocked_mentor, locked_mentor = (enrol(matching_programme, "mentor") for _ in range(3))
    MatchFactory(programme=matching_programme, mentor=declined_mentor, mentee=mentee, status="declined")
    PairBlock.objects.create(programme=matching_programme, mentor=blocked_mentor, mentee=mentee, created_by=coordinator)
    MatchFactory(programme=matching_programme, mentor=locked_mentor, mentee=other_mentee, is_locked=True)
    MatchFactory(programme=matching_programme, mentee=enrol(matching_programme, "mentee"))  # unlocked: not a lock

    built = build_cohort(matching_programme)

    index = built.index
    row = index.mentee_row(mentee.pk)
    assert built.cohort.previous_pairs.tolist() == [[row, index.mentor_row(declined_mentor.pk)]]
    assert built.cohort.blocked_pairs.tolist() == [[row, index.mentor_row(blocked_mentor.pk)]]
    assert built.cohort.locked_pairs.tolist() == [
        [index.mentee_row(other_mentee.pk), index.mentor_row(locked_mentor.pk)]
    ]


def test_named_people_are_taken_as_given(matching_programme):
    mentee, mentor = enrol(matching_programme, "mentee"), enrol(matching_programme, "mentor")
    enrol(matching_programme, "mentee")

    built = build_cohort(matching_programme, mentees=[mentee], mentors=[mentor])

    assert built.cohort.n_mentees == 1
    assert built.cohort.n_mentors == 1


def _populate(programme, size):
    skills = [SkillFactory() for _ in range(3)]
    question = QuestionFactory(programme=programme, kind="single_choice", choices=["A", "B"])
    boss = UserFactory()
    for _ in range(size):
        mentee = enrol(programme, "mentee", skills=skills[:2], languages=["en"], manager=boss, department="Sales")
        mentor = enrol(programme, "mentor", skills=skills, languages=["en"], department="Finance")
        AnswerFactory(enrolment=mentee, question=question, value="A")
        AnswerFactory(enrolment=mentor, question=question, value="B")
        MatchFactory(programme=programme, mentor=mentor, mentee=mentee, status="declined")


def test_query_count_does_not_grow_with_the_cohort(matching_programme, django_assert_max_num_queries):
    _populate(matching_programme, 2)
    build_cohort(matching_programme)
    with django_assert_max_num_queries(20) as small:
        build_cohort(matching_programme)
    _populate(matching_programme, 12)

    with django_assert_max_num_queries(len(small.captured_queries)):
        built = build_cohort(matching_programme)

    assert built.cohort.n_mentees == 14
