"""API of goals: goals (list, create, read, change, status), milestones (list, add, change,
delete, done), progress updates, the mentor's feedback, a programme's goal templates and
goal settings, and adopting a template. Same scoping, predicates and services as the HTML
views: a foreign object is 404, a visible one you may not change is 403."""

from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from goals import permissions
from goals.models import Feedback, Goal, GoalSettings, GoalTemplate, Milestone, ProgressUpdate
from goals.services import goals as services
from goals.services import templates as template_services
from matching.models import Match
from mentoring.api import ErrorSerializer
from mentoring.shortcuts import require
from programmes.models import Programme

ERRORS = {
    400: OpenApiResponse(description="Invalid input or a refused change; the body names each field's problem."),
    403: OpenApiResponse(ErrorSerializer, description="You may see this but not do this."),
    404: OpenApiResponse(ErrorSerializer, description="Not among the things you can see."),
}
GOAL_RELATED = ("match__programme", "match__mentor__user", "match__mentee__user", "created_by", "achieved_by")
MAX_ID = 2**63 - 1
MAX_ITEMS = 50


def _goals(request: Request) -> QuerySet[Goal]:
    return services.with_milestone_counts(
        Goal.objects.visible_to(request.user).select_related(*GOAL_RELATED).prefetch_related("skills")
    )


def _goal(request: Request, pk: int) -> Goal:
    return get_object_or_404(_goals(request), pk=pk)


def _match(request: Request, pk: int) -> Match:
    return get_object_or_404(
        Match.objects.visible_to(request.user).select_related("programme", "mentor__user", "mentee__user"), pk=pk
    )


def _milestone(request: Request, pk: int) -> Milestone:
    milestone = get_object_or_404(Milestone.objects.select_related("done_by"), pk=pk)
    # The milestone is visible when its goal is: fetch the goal through the scope.
    milestone.goal = _goal(request, milestone.goal_id)
    return milestone


def _programme(request: Request, slug: str) -> Programme:
    return get_object_or_404(Programme.objects.visible_to(request.user), slug=slug)


def _templates(request: Request) -> QuerySet[GoalTemplate]:
    return GoalTemplate.objects.visible_to(request.user).select_related("programme").prefetch_related("milestones")


# --- Shapes ------------------------------------------------------------------------------


class GoalPersonBrief(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()


class GoalSkillBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GoalOutput(serializers.Serializer):
    id = serializers.IntegerField()
    match = serializers.IntegerField(source="match_id")
    template = serializers.IntegerField(source="template_id", allow_null=True)
    title = serializers.CharField()
    why = serializers.CharField()
    success_measure = serializers.CharField()
    target_date = serializers.DateField(allow_null=True)
    status = serializers.ChoiceField(choices=Goal.Status.choices)
    overdue = serializers.SerializerMethodField()
    manual_progress = serializers.IntegerField(help_text="Set by hand; counts only while the goal has no milestones.")
    progress = serializers.IntegerField(
        help_text="0 to 100: milestones done / milestones, else manual_progress; 100 once achieved."
    )
    milestones_total = serializers.IntegerField()
    milestones_done = serializers.IntegerField()
    skills = GoalSkillBrief(many=True, source="skills.all")
    hints = serializers.SerializerMethodField(help_text="What the goal lacks to be SMART; hints, never errors.")
    created_by = GoalPersonBrief(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    achieved_at = serializers.DateTimeField(allow_null=True)
    achieved_by = GoalPersonBrief(allow_null=True)
    dropped_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, goal: Goal) -> bool:
        return services.is_overdue(goal)

    def get_hints(self, goal: Goal) -> list[str]:
        return services.hints_for(goal, goal.milestones_total)


class GoalMilestoneInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class GoalPatchInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    why = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    success_measure = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    manual_progress = serializers.IntegerField(
        min_value=0, max_value=100, required=False, help_text="Only for a goal without milestones."
    )
    skills = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=MAX_ITEMS,
        required=False,
        help_text="Ids of skills on the mentee's profile.",
    )


class GoalCreateInput(GoalPatchInput):
    match = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    title = serializers.CharField(max_length=200)
    status = serializers.ChoiceField(choices=Goal.Status.choices, default=Goal.Status.NOT_STARTED)
    milestones = GoalMilestoneInput(many=True, required=False, default=list, help_text="The first milestones.")

    def validate_milestones(self, value: list) -> list:
        if len(value) > MAX_ITEMS:
            raise serializers.ValidationError(_("At most %(count)d milestones.") % {"count": MAX_ITEMS})
        return value


class GoalStatusInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=Goal.Status.choices)


class GoalMilestoneOutput(serializers.Serializer):
    id = serializers.IntegerField()
    goal = serializers.IntegerField(source="goal_id")
    title = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    done = serializers.SerializerMethodField()
    done_at = serializers.DateTimeField(allow_null=True)
    done_by = GoalPersonBrief(allow_null=True)
    position = serializers.IntegerField()

    def get_done(self, milestone: Milestone) -> bool:
        return milestone.done_at is not None


class GoalMilestonePatchInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    due_on = serializers.DateField(required=False, allow_null=True)


class GoalMilestoneDoneInput(serializers.Serializer):
    done = serializers.BooleanField(default=True)


class ProgressUpdateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    goal = serializers.IntegerField(source="goal_id")
    author = GoalPersonBrief(allow_null=True)
    text = serializers.CharField()
    progress = serializers.IntegerField(help_text="The goal's progress right after this update.")
    created_at = serializers.DateTimeField()


class ProgressUpdateInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    progress = serializers.IntegerField(
        min_value=0,
        max_value=100,
        required=False,
        allow_null=True,
        default=None,
        help_text="Sets the goal's progress by hand; only for a goal without milestones.",
    )


class GoalFeedbackOutput(serializers.Serializer):
    id = serializers.IntegerField()
    goal = serializers.IntegerField(source="goal_id")
    update = serializers.IntegerField(source="update_id", allow_null=True)
    author = GoalPersonBrief(allow_null=True)
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class GoalFeedbackInput(serializers.Serializer):
    text = serializers.CharField(max_length=4000)
    update = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, allow_null=True, default=None,
        help_text="A progress update of this goal, to answer it; none for feedback on the goal.",
    )  # fmt: skip


class MilestoneTemplateShape(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    due_week = serializers.IntegerField(min_value=1, max_value=520, help_text="Weeks after the match starts.")


class GoalTemplateOutput(serializers.Serializer):
    id = serializers.IntegerField()
    programme = serializers.SlugField(source="programme.slug")
    title = serializers.CharField()
    why = serializers.CharField()
    success_measure = serializers.CharField()
    target_week = serializers.IntegerField(allow_null=True, help_text="Weeks after the match starts.")
    position = serializers.IntegerField()
    is_active = serializers.BooleanField(help_text="Offered to pairs.")
    milestones = MilestoneTemplateShape(many=True, source="milestones.all")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class GoalTemplatePatchInput(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    why = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    success_measure = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    target_week = serializers.IntegerField(min_value=1, max_value=520, required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)
    milestones = MilestoneTemplateShape(
        many=True, required=False, help_text="Replaces the template's milestones (at most 20)."
    )

    def validate_milestones(self, value: list) -> list:
        if len(value) > template_services.MAX_MILESTONES:
            raise serializers.ValidationError(
                _("At most %(count)d milestones.") % {"count": template_services.MAX_MILESTONES}
            )
        return value


class GoalTemplateCreateInput(GoalTemplatePatchInput):
    title = serializers.CharField(max_length=200)


class GoalTemplateReorderInput(serializers.Serializer):
    order = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        max_length=500,
        help_text="Every template id of the programme, once, in the new order.",
    )


class GoalAdoptInput(serializers.Serializer):
    template = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class GoalSettingsOutput(serializers.Serializer):
    programme = serializers.SlugField(source="programme.slug")
    overdue_grace_days = serializers.IntegerField()
    hr_sees_content = serializers.BooleanField()


class GoalSettingsInput(serializers.Serializer):
    overdue_grace_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    hr_sees_content = serializers.BooleanField(required=False)


def _template_rows(data: dict) -> list[tuple[str, int]] | None:
    if "milestones" not in data:
        return None
    return [(row["title"], row["due_week"]) for row in data.pop("milestones")]


# --- Goals -------------------------------------------------------------------------------


class GoalListFilter(serializers.Serializer):
    match = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    status = serializers.ChoiceField(required=False, choices=["open", *Goal.Status.values])


@extend_schema(
    parameters=[
        OpenApiParameter("match", int, description="Only this match's goals."),
        OpenApiParameter(
            "status",
            str,
            enum=["open", *Goal.Status.values],
            description="Only goals in this status (open: not started or in progress).",
        ),
    ]
)
class GoalListApi(generics.ListAPIView):
    """Goals you can read: your own matches', your programmes' for coordinators, all for site
    admins; HR admins where the programme lets them read goal content."""

    serializer_class = GoalOutput

    def get_queryset(self) -> QuerySet[Goal]:
        if getattr(self, "swagger_fake_view", False):
            return Goal.objects.none()
        filters = GoalListFilter(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        params = filters.validated_data
        goals = _goals(self.request).order_by("match_id", F("target_date").asc(nulls_last=True), "pk")
        if "match" in params:
            goals = goals.filter(match_id=params["match"])
        if params.get("status") == "open":
            goals = goals.filter(status__in=Goal.OPEN_STATUSES)
        elif "status" in params:
            goals = goals.filter(status=params["status"])
        return goals

    @extend_schema(request=GoalCreateInput, responses={201: GoalOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        """Write a goal for a match you are the mentor or the mentee of."""
        data = GoalCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        match = _match(request, fields.pop("match"))
        require(permissions.can_edit_goals(request.user, match))
        milestones = [(row["title"], row["due_on"]) for row in fields.pop("milestones")]
        goal = services.create_goal(match=match, by=request.user, milestones=milestones, **fields)
        return Response(GoalOutput(_goal(request, goal.pk)).data, status=status.HTTP_201_CREATED)


class GoalDetailApi(APIView):
    @extend_schema(responses={200: GoalOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(GoalOutput(_goal(request, pk)).data)

    @extend_schema(request=GoalPatchInput, responses={200: GoalOutput, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        """Change a goal's fields; its status changes through `status/`."""
        goal = _goal(request, pk)
        require(permissions.can_edit_goal(request.user, goal))
        data = GoalPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.update_goal(goal=goal, by=request.user, **data.validated_data)
        return Response(GoalOutput(_goal(request, pk)).data)


class GoalStatusApi(APIView):
    @extend_schema(request=GoalStatusInput, responses={200: GoalOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Achieved stamps who and when, sets progress to 100 and tells both sides; dropped
        stamps when; back to not started or in progress reopens. The same status again is a
        no-op."""
        goal = _goal(request, pk)
        require(permissions.can_edit_goal(request.user, goal))
        data = GoalStatusInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.set_goal_status(goal=goal, by=request.user, status=data.validated_data["status"])
        return Response(GoalOutput(_goal(request, pk)).data)


class GoalAdoptApi(APIView):
    @extend_schema(request=GoalAdoptInput, responses={201: GoalOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Adopt one of the programme's suggested goals: it and its milestones are copied,
        dated from the start of the match. Each template once per match."""
        match = _match(request, pk)
        data = GoalAdoptInput(data=request.data)
        data.is_valid(raise_exception=True)
        templates = _templates(request).filter(programme_id=match.programme_id)
        template = get_object_or_404(templates, pk=data.validated_data["template"])
        require(permissions.can_edit_goals(request.user, match))
        goal = services.adopt_template(match=match, template=template, by=request.user)
        return Response(GoalOutput(_goal(request, goal.pk)).data, status=status.HTTP_201_CREATED)


# --- Milestones --------------------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: GoalMilestoneOutput(many=True), 404: ERRORS[404]}))
class GoalMilestoneListApi(generics.ListAPIView):
    """A goal's milestones, in order."""

    serializer_class = GoalMilestoneOutput
    pagination_class = None

    def get_queryset(self) -> QuerySet[Milestone]:
        if getattr(self, "swagger_fake_view", False):
            return Milestone.objects.none()
        goal = _goal(self.request, self.kwargs["pk"])
        return goal.milestones.select_related("done_by")

    @extend_schema(request=GoalMilestoneInput, responses={201: GoalMilestoneOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        goal = _goal(request, pk)
        require(permissions.can_edit_goal(request.user, goal))
        data = GoalMilestoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.add_milestone(goal=goal, by=request.user, **data.validated_data)
        return Response(GoalMilestoneOutput(milestone).data, status=status.HTTP_201_CREATED)


class MilestoneDetailApi(APIView):
    @extend_schema(request=GoalMilestonePatchInput, responses={200: GoalMilestoneOutput, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        milestone = _milestone(request, pk)
        require(permissions.can_edit_goal(request.user, milestone.goal))
        data = GoalMilestonePatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.update_milestone(milestone=milestone, by=request.user, **data.validated_data)
        return Response(GoalMilestoneOutput(milestone).data)

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        milestone = _milestone(request, pk)
        require(permissions.can_edit_goal(request.user, milestone.goal))
        services.delete_milestone(milestone=milestone, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MilestoneDoneApi(APIView):
    @extend_schema(request=GoalMilestoneDoneInput, responses={200: GoalMilestoneOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Tick a milestone off (both sides are told) or back on; ticking it off twice is a no-op."""
        milestone = _milestone(request, pk)
        require(permissions.can_edit_goal(request.user, milestone.goal))
        data = GoalMilestoneDoneInput(data=request.data)
        data.is_valid(raise_exception=True)
        milestone = services.set_milestone_done(milestone=milestone, by=request.user, done=data.validated_data["done"])
        return Response(GoalMilestoneOutput(milestone).data)


# --- Progress updates and feedback -------------------------------------------------------


class GoalUpdateListApi(generics.ListAPIView):
    """A goal's progress updates, newest first."""

    serializer_class = ProgressUpdateOutput

    def get_queryset(self) -> QuerySet[ProgressUpdate]:
        if getattr(self, "swagger_fake_view", False):
            return ProgressUpdate.objects.none()
        goal = _goal(self.request, self.kwargs["pk"])
        return goal.updates.select_related("author").order_by("-created_at", "-pk")

    @extend_schema(request=ProgressUpdateInput, responses={201: ProgressUpdateOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        goal = _goal(request, pk)
        require(permissions.can_edit_goal(request.user, goal))
        data = ProgressUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        update = services.add_progress_update(goal=goal, by=request.user, **data.validated_data)
        return Response(ProgressUpdateOutput(update).data, status=status.HTTP_201_CREATED)


class GoalFeedbackListApi(generics.ListAPIView):
    """The mentor's feedback on a goal and its updates, oldest first."""

    serializer_class = GoalFeedbackOutput

    def get_queryset(self) -> QuerySet[Feedback]:
        if getattr(self, "swagger_fake_view", False):
            return Feedback.objects.none()
        goal = _goal(self.request, self.kwargs["pk"])
        return goal.feedback.select_related("author").order_by("created_at", "pk")

    @extend_schema(request=GoalFeedbackInput, responses={201: GoalFeedbackOutput, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        """Feedback is the mentor's; the mentee is told."""
        goal = _goal(request, pk)
        require(permissions.can_give_feedback(request.user, goal))
        data = GoalFeedbackInput(data=request.data)
        data.is_valid(raise_exception=True)
        update_id = data.validated_data["update"]
        update = None
        if update_id is not None:
            update = goal.updates.filter(pk=update_id).first()
            if update is None:
                raise serializers.ValidationError({"update": [_("No such progress update on this goal.")]})
        feedback = services.add_feedback(goal=goal, by=request.user, text=data.validated_data["text"], update=update)
        return Response(GoalFeedbackOutput(feedback).data, status=status.HTTP_201_CREATED)


# --- Templates and settings --------------------------------------------------------------


@extend_schema_view(get=extend_schema(responses={200: GoalTemplateOutput(many=True), 404: ERRORS[404]}))
class GoalTemplateListApi(generics.ListAPIView):
    """A programme's suggested goals in order: all of them for its coordinators, site and HR
    admins; the active ones for participants with a published match in it."""

    serializer_class = GoalTemplateOutput
    pagination_class = None

    def get_queryset(self) -> QuerySet[GoalTemplate]:
        if getattr(self, "swagger_fake_view", False):
            return GoalTemplate.objects.none()
        programme = _programme(self.request, self.kwargs["slug"])
        return _templates(self.request).filter(programme=programme).order_by("position", "pk")

    @extend_schema(request=GoalTemplateCreateInput, responses={201: GoalTemplateOutput, **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _programme(request, slug)
        require(permissions.can_manage_goal_templates(request.user, programme))
        data = GoalTemplateCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        rows = _template_rows(fields) or []
        template = template_services.create_goal_template(
            programme=programme, by=request.user, milestones=rows, **fields
        )
        output = GoalTemplateOutput(_templates(request).get(pk=template.pk))
        return Response(output.data, status=status.HTTP_201_CREATED)


class GoalTemplateReorderApi(APIView):
    @extend_schema(request=GoalTemplateReorderInput, responses={200: GoalTemplateOutput(many=True), **ERRORS})
    def post(self, request: Request, slug: str) -> Response:
        programme = _programme(request, slug)
        require(permissions.can_manage_goal_templates(request.user, programme))
        data = GoalTemplateReorderInput(data=request.data)
        data.is_valid(raise_exception=True)
        template_services.reorder_goal_templates(
            programme=programme, by=request.user, template_ids=data.validated_data["order"]
        )
        templates = _templates(request).filter(programme=programme).order_by("position", "pk")
        return Response(GoalTemplateOutput(templates, many=True).data)


class GoalTemplateDetailApi(APIView):
    def _template(self, request: Request, pk: int, *, manage: bool) -> GoalTemplate:
        template = get_object_or_404(_templates(request), pk=pk)
        if manage:
            require(permissions.can_manage_goal_templates(request.user, template.programme))
        return template

    @extend_schema(responses={200: GoalTemplateOutput, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(GoalTemplateOutput(self._template(request, pk, manage=False)).data)

    @extend_schema(request=GoalTemplatePatchInput, responses={200: GoalTemplateOutput, **ERRORS})
    def patch(self, request: Request, pk: int) -> Response:
        """Change a template; `milestones` replaces its milestones. Adopted goals keep theirs."""
        template = self._template(request, pk, manage=True)
        data = GoalTemplatePatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        rows = _template_rows(fields)
        template_services.update_goal_template(template=template, by=request.user, milestones=rows, **fields)
        return Response(GoalTemplateOutput(_templates(request).get(pk=pk)).data)

    @extend_schema(request=None, responses={204: None, **ERRORS})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete a template; goals adopted from it stay with their pairs."""
        template = self._template(request, pk, manage=True)
        template_services.delete_goal_template(template=template, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GoalSettingsApi(APIView):
    def _programme(self, request: Request, slug: str) -> Programme:
        programme = _programme(request, slug)
        require(permissions.can_view_goal_templates(request.user, programme))
        return programme

    @extend_schema(responses={200: GoalSettingsOutput, **ERRORS})
    def get(self, request: Request, slug: str) -> Response:
        programme = self._programme(request, slug)
        return Response(GoalSettingsOutput(services.goal_settings_for(programme)).data)

    @extend_schema(request=GoalSettingsInput, responses={200: GoalSettingsOutput, **ERRORS})
    def patch(self, request: Request, slug: str) -> Response:
        """How many days past a due date an open goal raises an overdue flag, and whether HR
        admins read goal content."""
        programme = self._programme(request, slug)
        require(permissions.can_manage_goal_templates(request.user, programme))
        data = GoalSettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        settings = template_services.update_goal_settings(programme=programme, by=request.user, **data.validated_data)
        return Response(GoalSettingsOutput(GoalSettings.objects.select_related("programme").get(pk=settings.pk)).data)
