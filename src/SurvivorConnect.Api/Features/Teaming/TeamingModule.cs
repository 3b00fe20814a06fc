using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Teaming.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Teaming;

public static class TeamingScopes
{
    /// <summary>The youth's consent to share named kinds of their records with one partner agency.</summary>
    public const string MdtSharing = "mdt-sharing";
}

/// <summary>
/// Teaming (the paper's multidisciplinary team): partnerships between agencies, a team for each youth led by their
/// case manager, case and safety plans written with the youth, team meetings, and sharing with a partner agency
/// only while the partnership and the youth's consent (<see cref="TeamingScopes.MdtSharing"/>) are both current.
/// Sharing is a narrow grant read through one gate (<see cref="CrossAgency"/>), never a wider tenant.
/// </summary>
public static class TeamingModule
{
    public static WebApplicationBuilder AddTeaming(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(Partnership.Container);
        builder.Services.AddConsentScope(new ConsentScope(TeamingScopes.MdtSharing, "To share your records with another agency", OnlyGrantor: ConsentGrantor.Youth, NamesPartner: true));
        builder.Services.AddScoped<TeamingData>();
        builder.Services.AddScoped<CrossAgency>();
        builder.Services.AddScoped<TeamViews>();
        builder.Services.AddSingleton<PartnerNotices>();
        builder.Services.AddScoped<IPartnerSharing, PartnershipHandlers>();
        return builder;
    }

    public static IEndpointRouteBuilder MapTeaming(this IEndpointRouteBuilder app)
    {
        var partnerships = app.MapGroup("/api/partnerships").WithTags("Teaming").RequireAuthorization(Policies.AgencyAdmin)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        partnerships.MapGet("/", ListPartnerships).WithName(nameof(ListPartnerships));
        partnerships.MapPost("/", ProposePartnership).WithName(nameof(ProposePartnership))
            .WithSummary("Propose a partnership with another agency: the kinds of record it may share, the legal basis, the expiry.");
        partnerships.MapPost("/{id}/accept", AcceptPartnership).WithName(nameof(AcceptPartnership))
            .WithSummary("Accept a partnership another agency proposed, offering your professionals for its teams.");
        partnerships.MapPut("/{id}/professionals", SetOfferedProfessionals).WithName(nameof(SetOfferedProfessionals));
        partnerships.MapPost("/{id}/end", EndPartnership).WithName(nameof(EndPartnership))
            .WithSummary("End (or decline) a partnership: nothing is shared under it from now on.");

        var teams = app.MapGroup("/api/teams").WithTags("Teaming")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        teams.MapGet("/", ListMyTeams).WithName(nameof(ListMyTeams)).RequireAuthorization(Policies.Professional)
            .WithSummary("The teams you lead (your caseload) and the teams of your agency you sit on.");
        teams.MapGet("/overdue-actions", ListOverdueActions).WithName(nameof(ListOverdueActions)).RequireAuthorization(Policies.CaseManager)
            .WithSummary("Actions from your youth's team meetings that are past their due date.");
        var team = teams.MapGroup("/{youthId}");
        team.MapGet("/", GetTeam).WithName(nameof(GetTeam)).RequireAuthorization(Policies.Professional);
        team.MapPost("/", FormTeam).WithName(nameof(FormTeam)).RequireAuthorization(Policies.CaseManager)
            .WithSummary("Form the youth's team: the youth and their case managers are members from the start.");
        team.MapPost("/members", AddTeamMember).WithName(nameof(AddTeamMember)).RequireAuthorization(Policies.CaseManager)
            .WithSummary("Add a professional (of your agency, or one a partner agency offers) or a support the youth names.");
        team.MapPost("/members/{memberId}/remove", RemoveTeamMember).WithName(nameof(RemoveTeamMember)).RequireAuthorization(Policies.CaseManager);
        team.MapGet("/plans", GetPlans).WithName(nameof(GetPlans)).RequireAuthorization(Policies.Professional)
            .WithSummary("The case plan, the safety plan and their history.");
        team.MapPost("/case-plan/items", AddPlanItem).WithName(nameof(AddPlanItem)).RequireAuthorization(Policies.CaseManager);
        team.MapPut("/case-plan/items/{itemId}", ChangePlanItem).WithName(nameof(ChangePlanItem)).RequireAuthorization(Policies.CaseManager)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Change one decision; send If-Match with the plans' casePlanVersion.");
        team.MapPut("/safety-plan", SaveSafetyPlan).WithName(nameof(SaveSafetyPlan)).RequireAuthorization(Policies.CaseManager)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Replace the safety plan; once there is one, send If-Match with the plans' safetyPlanVersion.");
        team.MapGet("/meetings", GetMeetings).WithName(nameof(GetMeetings)).RequireAuthorization(Policies.Professional);
        team.MapPost("/meetings", ScheduleMeeting).WithName(nameof(ScheduleMeeting)).RequireAuthorization(Policies.CaseManager);
        team.MapPut("/meetings/{meetingId}", ChangeMeeting).WithName(nameof(ChangeMeeting)).RequireAuthorization(Policies.CaseManager)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Move a meeting not yet held, or change its agenda; send If-Match with the meeting's version. The youth is told.");
        team.MapPost("/meetings/{meetingId}/cancel", CancelMeeting).WithName(nameof(CancelMeeting)).RequireAuthorization(Policies.CaseManager)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Call off a meeting not yet held; send If-Match with the meeting's version. The youth is told.");
        team.MapPost("/meetings/{meetingId}/record", RecordMeeting).WithName(nameof(RecordMeeting)).RequireAuthorization(Policies.CaseManager)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Who came, how the youth took part, decisions with the youth's view, actions with owners and due dates; send If-Match with the meeting's version, so views the youth sent since are read first.");
        team.MapPost("/meetings/{meetingId}/actions/{actionId}/done", CompleteMeetingAction).WithName(nameof(CompleteMeetingAction))
            .RequireAuthorization(Policies.CaseManager);

        var mine = app.MapGroup("/api/my-team").WithTags("Teaming").RequireAuthorization(Policies.Youth).ProducesProblem(StatusCodes.Status404NotFound);
        mine.MapGet("/", GetMyTeam).WithName(nameof(GetMyTeam))
            .WithSummary("Your team, your plan, and what you share with which agency (withdraw that consent to stop sharing).");
        mine.MapGet("/safety-plan", GetMySafetyPlan).WithName(nameof(GetMySafetyPlan));
        mine.MapPost("/supports/{memberId}/agree", AgreeToSupport).WithName(nameof(AgreeToSupport));
        mine.MapPost("/supports/{memberId}/decline", DeclineSupport).WithName(nameof(DeclineSupport))
            .WithSummary("Say no to a support, or take one off your team: nobody asks you about them again for 30 days, unless you put them back.");
        mine.MapPost("/supports/{memberId}/put-back", PutSupportBack).WithName(nameof(PutSupportBack))
            .WithSummary("Take back a no of yours (saidNoTo on your team): they are on your team again.");
        mine.MapPut("/meetings/{meetingId}/views", SendMyViewsToMeeting).WithName(nameof(SendMyViewsToMeeting))
            .WithSummary("Tell your team, in your own words, what you want it to know at a meeting still to come; send If-Match.");

        var shared = app.MapGroup("/api/shared").WithTags("Teaming").RequireAuthorization(Policies.Professional)
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        shared.MapGet("/", ListSharedWithMe).WithName(nameof(ListSharedWithMe))
            .WithSummary("The teams of partner agencies you sit on, and whether their youth currently share with your agency.");
        shared.MapGet("/{seatId}", GetSharedRecords).WithName(nameof(GetSharedRecords))
            .WithSummary("What one youth shares with your agency now; refused once the consent or the partnership ends.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<PartnershipView>>> ListPartnerships(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListPartnerships(), ct));

    private static async Task<Created<PartnershipView>> ProposePartnership(IMediator mediator, PartnershipRequest body, CancellationToken ct)
    {
        var partnership = await mediator.Send(new ProposePartnership(AgencyStore.NewId(), body), ct);
        return TypedResults.Created($"/api/partnerships/{partnership.Id}", partnership);
    }

    private static async Task<Ok<PartnershipView>> AcceptPartnership(IMediator mediator, string id, ProfessionalsRequest? body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AcceptPartnership(id, body ?? new ProfessionalsRequest(null)), ct));

    private static async Task<Ok<PartnershipView>> SetOfferedProfessionals(
        IMediator mediator, string id, ProfessionalsRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetOfferedProfessionals(id, body, ifMatch), ct));

    private static async Task<Ok<PartnershipView>> EndPartnership(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new EndPartnership(id), ct));

    private static async Task<Ok<IReadOnlyList<TeamSummary>>> ListMyTeams(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMyTeams(), ct));

    private static async Task<Ok<IReadOnlyList<ActionView>>> ListOverdueActions(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListOverdueActions(), ct));

    private static async Task<Ok<TeamView>> GetTeam(IMediator mediator, string youthId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetTeam(youthId), ct));

    private static async Task<Created<TeamView>> FormTeam(IMediator mediator, string youthId, CancellationToken ct) =>
        TypedResults.Created($"/api/teams/{youthId}", await mediator.Send(new FormTeam(youthId), ct));

    private static async Task<Ok<TeamView>> AddTeamMember(IMediator mediator, string youthId, MemberRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AddTeamMember(youthId, body), ct));

    private static async Task<Ok<TeamView>> RemoveTeamMember(IMediator mediator, string youthId, string memberId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RemoveTeamMember(youthId, memberId), ct));

    private static async Task<Ok<PlansView>> GetPlans(IMediator mediator, string youthId, string? historyAfter, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetPlans(youthId, historyAfter), ct));

    private static async Task<Ok<PlansView>> AddPlanItem(IMediator mediator, string youthId, PlanItemRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SavePlanItem(youthId, null, body, null, body.RequestId is { } request ? PlanItemIds.ForRequest(youthId, request) : null), ct));

    private static async Task<Ok<PlansView>> ChangePlanItem(
        IMediator mediator, string youthId, string itemId, PlanItemRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SavePlanItem(youthId, itemId, body, ifMatch), ct));

    private static async Task<Ok<PlansView>> SaveSafetyPlan(
        IMediator mediator, string youthId, SafetyPlanRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SaveSafetyPlan(youthId, body, ifMatch), ct));

    private static async Task<Ok<MeetingsView>> GetMeetings(IMediator mediator, string youthId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMeetings(youthId), ct));

    private static async Task<Ok<MeetingsView>> ScheduleMeeting(IMediator mediator, string youthId, MeetingRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ScheduleMeeting(youthId, body, body.RequestId), ct));

    private static async Task<Ok<MeetingsView>> ChangeMeeting(
        IMediator mediator, string youthId, string meetingId, MeetingRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ChangeMeeting(youthId, meetingId, body, ifMatch), ct));

    private static async Task<Ok<MeetingsView>> CancelMeeting(
        IMediator mediator, string youthId, string meetingId, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CancelMeeting(youthId, meetingId, ifMatch), ct));

    private static async Task<Ok<MeetingsView>> RecordMeeting(
        IMediator mediator, string youthId, string meetingId, MeetingRecordRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordMeeting(youthId, meetingId, body, ifMatch), ct));

    private static async Task<Ok<MeetingsView>> CompleteMeetingAction(IMediator mediator, string youthId, string meetingId, string actionId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CompleteMeetingAction(youthId, meetingId, actionId), ct));

    private static async Task<Ok<MyTeamView>> GetMyTeam(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMyTeam(), ct));

    private static async Task<Ok<MySafetyPlanView>> GetMySafetyPlan(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMySafetyPlan(), ct));

    private static async Task<Ok<MyTeamView>> AgreeToSupport(IMediator mediator, string memberId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RespondToSupport(memberId, Agree: true), ct));

    private static async Task<Ok<MyTeamView>> DeclineSupport(IMediator mediator, string memberId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RespondToSupport(memberId, Agree: false), ct));

    private static async Task<Ok<MyTeamView>> PutSupportBack(IMediator mediator, string memberId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new PutSupportBack(memberId), ct));

    private static async Task<Ok<MyTeamView>> SendMyViewsToMeeting(
        IMediator mediator, string meetingId, MyViewsRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SendMyViewsToMeeting(meetingId, body, ifMatch), ct));

    private static async Task<Ok<IReadOnlyList<SharedSummary>>> ListSharedWithMe(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListSharedWithMe(), ct));

    private static async Task<Ok<SharedRecordsView>> GetSharedRecords(IMediator mediator, string seatId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetSharedRecords(seatId), ct));
}
