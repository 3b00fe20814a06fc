using SurvivorConnect.Api.Infrastructure.Errors;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Hosting;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

/// <summary>
/// Paid engagement work (PRODUCT.md rules 1 and 3): survivors who opted in, opportunities paid at parity with
/// other professionals, invitations, and seats with a waitlist. Documents live in one container, by agency.
/// </summary>
public static class EngagementsModule
{
    public static WebApplicationBuilder AddEngagements(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(EngagementData.Container);
        builder.Services.AddScoped<EngagementData>();
        builder.Services.AddSingleton<CalendarLinks>();
        builder.Services.AddScoped<StillAskedOf>();
        builder.Services.AddScoped<WaitingList>();
        builder.Services.AddScoped<ClaimWriter>();
        builder.Services.AddScoped<ReminderSchedule>();
        builder.Services.AddScoped<ReminderSender>();
        builder.Services.AddSingleton<EngagementReminderWorker>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EngagementReminderWorker>());
        builder.Services.AddConsentScope(new ConsentScope(EngagementScopes.Contact, "To be asked to paid work (focus groups and advisory roles)", OnlyGrantor: ConsentGrantor.Self, SelfGrantedBy: [Roles.Advisor, Roles.Mentor]));
        return builder;
    }

    public static IEndpointRouteBuilder MapEngagements(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/engagements").WithTags("Engagements")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        group.MapGet("/settings", GetEngagementSettings).WithName(nameof(GetEngagementSettings)).RequireAuthorization(Policies.EngagementReader)
            .WithSummary("The agency's kinds of work, each with its professional benchmark hourly rate.");
        group.MapPut("/settings", SaveEngagementSettings).WithName(nameof(SaveEngagementSettings)).RequireAuthorization(Policies.AgencyAdmin)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired)
            .WithSummary("Set the kinds of work and their benchmark hourly rates (pay parity); once there are settings, send their `version` as If-Match.");

        var me = group.MapGroup("/me").RequireAuthorization(Policies.EngagementMember);
        me.MapGet("/profile", GetMyEngagementProfile).WithName(nameof(GetMyEngagementProfile))
            .WithSummary("Your engagement profile and whether you have opted in to being contacted.");
        me.MapPut("/profile", SaveMyEngagementProfile).WithName(nameof(SaveMyEngagementProfile))
            .WithSummary("The work you want, topics you will and will not speak about, when you are free, and how you are paid.");
        me.MapPost("/contact", SetEngagementContact).WithName(nameof(SetEngagementContact))
            .WithSummary("Opt in to being contacted about paid work, or out of it (at once).");
        me.MapGet("/calendar", GetMyCalendarLink).WithName(nameof(GetMyCalendarLink))
            .WithSummary("Whether you have a calendar link, and since when (the link itself is shown only when made).");
        me.MapPost("/calendar", RotateMyCalendarLink).WithName(nameof(RotateMyCalendarLink))
            .WithSummary("Make a new secret calendar link of your confirmed sessions; any old link stops working.");
        me.MapDelete("/calendar", TurnOffMyCalendarLink).WithName(nameof(TurnOffMyCalendarLink))
            .WithSummary("Turn your calendar link off: it stops working at once.");
        me.MapGet("/claims", ListMyClaims).WithName(nameof(ListMyClaims))
            .WithSummary("What you are owed for each session, and the travel you added.");
        me.MapGet("/opportunities", ListMyOpportunities).WithName(nameof(ListMyOpportunities))
            .WithSummary("Published opportunities that fit you, and those you were invited to or took part in.");

        var opportunities = group.MapGroup("/opportunities");
        opportunities.MapGet("/", ListOpportunities).WithName(nameof(ListOpportunities)).RequireAuthorization(Policies.Recruiter);
        opportunities.MapPost("/", CreateOpportunity).WithName(nameof(CreateOpportunity)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("A draft opportunity: kind, sessions, seats, deadline and pay.");
        opportunities.MapGet("/{id}", GetOpportunity).WithName(nameof(GetOpportunity)).RequireAuthorization(Policies.EngagementReader);
        opportunities.MapPut("/{id}", UpdateOpportunity).WithName(nameof(UpdateOpportunity)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Change a draft or published opportunity; send If-Match. A published one stays at pay parity.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);
        opportunities.MapPost("/{id}/publish", PublishOpportunity).WithName(nameof(PublishOpportunity)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Publish a draft; refused below the benchmark rate for its kind of work.");
        opportunities.MapPost("/{id}/close", CloseOpportunity).WithName(nameof(CloseOpportunity)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Stop taking answers.");
        opportunities.MapPost("/{id}/complete", CompleteOpportunity).WithName(nameof(CompleteOpportunity)).RequireAuthorization(Policies.Recruiter);
        opportunities.MapPost("/{id}/cancel", CancelOpportunity).WithName(nameof(CancelOpportunity)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Cancel every session to come; those confirmed are told and the late-cancellation rule applies.");

        opportunities.MapGet("/{id}/candidates", ListCandidates).WithName(nameof(ListCandidates)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Opted-in survivors the opportunity fits, with the reasons.");
        opportunities.MapPost("/{id}/invitations", InviteToOpportunity).WithName(nameof(InviteToOpportunity)).RequireAuthorization(Policies.Recruiter);
        opportunities.MapPost("/{id}/apply", ApplyToOpportunity).WithName(nameof(ApplyToOpportunity)).RequireAuthorization(Policies.EngagementMember)
            .WithSummary("Take a place (or a place on the waiting list) in a published opportunity that fits you. Send If-Match: the version your view of it showed (its terms); refused (409) if the pay, times or places changed since.");
        opportunities.MapPost("/{id}/accept", AcceptInvitation).WithName(nameof(AcceptInvitation)).RequireAuthorization(Policies.EngagementMember)
            .WithSummary("Say yes to an invitation. Send If-Match: the version your view of it showed (its terms); refused (409) if the pay, times or places changed since.");
        opportunities.MapPost("/{id}/decline", DeclineInvitation).WithName(nameof(DeclineInvitation)).RequireAuthorization(Policies.EngagementMember)
            .WithSummary("Say no to an invitation; no reason is asked and it changes nothing for later ones.");
        opportunities.MapPost("/{id}/withdraw", WithdrawFromOpportunity).WithName(nameof(WithdrawFromOpportunity)).RequireAuthorization(Policies.EngagementMember)
            .WithSummary("Give up your place; it goes to the first person waiting.");

        var session = opportunities.MapGroup("/{id}/sessions/{sessionId}");
        session.MapPost("/attendance", RecordAttendance).WithName(nameof(RecordAttendance)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("After the session: attended, partial (minutes), no-show or cancelled by the agency, per confirmed participant; each gets a claim.")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        session.MapPost("/cancel", CancelSession).WithName(nameof(CancelSession)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Cancel a session to come; those confirmed are told and the late-cancellation rule applies.");
        session.MapPost("/places/{personId}/restore", RestorePlace).WithName(nameof(RestorePlace)).RequireAuthorization(Policies.Recruiter)
            .WithSummary("Give back a place the agency cancelled in a session still to come; its holder is told, and the cancellation's claim goes.");
        session.MapPut("/travel", AttachTravel).WithName(nameof(AttachTravel)).RequireAuthorization(Policies.EngagementMember)
            .WithSummary("Add miles, receipted costs and travel days to your claim for an in-person session.");
        opportunities.MapGet("/{id}/claims", ListClaims).WithName(nameof(ListClaims)).RequireAuthorization(Policies.Recruiter);

        // A calendar app cannot sign in: the secret in the link stands for the person, who must still be active.
        app.MapGet(CalendarPaths.Route, CalendarFeed).WithName(nameof(CalendarFeed)).WithTags("Engagements").AllowAnonymous().WithMetadata(SecretInPath.Instance)
            .RequireRateLimiting(RequestLimits.PerAddress)
            .WithSummary("Your confirmed sessions as iCalendar (text/calendar), in each session's own time zone.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> CalendarFeed(
        HttpContext context, string agencyId, string personId, string token, CalendarLinks links, PersonPrincipals principals, IMediator mediator, CancellationToken ct)
    {
        // The token first, the same one read whoever the link names: how long a refusal takes says nothing of whether the
        // person exists or takes paid work. Only a link that opens is read further.
        var principal = await links.OpensAsync(agencyId, personId, token, ct) ? await principals.BuildAsync(personId, agencyId, null, ct) : null;
        if (principal is null || !principal.HasClaim(ScClaims.Active, "true") || !Roles.AnyTakingPaidWork(principal.IsInRole))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.");
        }

        // The person is who the request acts as only once their token matched: a failure must not show any page as them.
        var anonymous = context.User;
        context.User = principal;
        try
        {
            return TypedResults.Content(await mediator.Send(new GetCalendarFeed(token), ct), "text/calendar; charset=utf-8");
        }
        catch (Exception ex)
        {
            context.User = anonymous;
            if (ex is NotFoundException)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.");
            }

            throw;
        }
    }

    private static async Task<Ok<CalendarLinkView>> GetMyCalendarLink(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMyCalendarLink(), ct));

    private static async Task<Ok<CalendarLinkView>> RotateMyCalendarLink(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RotateMyCalendarLink(), ct));

    private static async Task<Ok<CalendarLinkView>> TurnOffMyCalendarLink(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new TurnOffMyCalendarLink(), ct));

    private static async Task<Ok<IReadOnlyList<ClaimView>>> RecordAttendance(IMediator mediator, string id, string sessionId, AttendanceRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordAttendance(id, sessionId, body), ct));

    private static async Task<Ok<IReadOnlyList<ClaimView>>> CancelSession(IMediator mediator, string id, string sessionId, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new CancelSession(id, sessionId), ct));

    private static async Task<NoContent> RestorePlace(IMediator mediator, string id, string sessionId, string personId, CancellationToken ct)
    {
        await mediator.Send(new RestorePlace(id, sessionId, personId), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ClaimView>> AttachTravel(IMediator mediator, string id, string sessionId, TravelRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new AttachTravel(id, sessionId, body), ct));

    private static async Task<Ok<IReadOnlyList<ClaimView>>> ListClaims(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListClaims(id), ct));

    private static async Task<Ok<IReadOnlyList<ClaimView>>> ListMyClaims(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMyClaims(), ct));

    private static async Task<Ok<EngagementSettingsView>> GetEngagementSettings(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetEngagementSettings(), ct));

    private static async Task<Ok<EngagementSettingsView>> SaveEngagementSettings(
        IMediator mediator, EngagementSettingsRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SaveEngagementSettings(body, ifMatch), ct));

    private static async Task<Ok<EngagementProfileView>> GetMyEngagementProfile(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMyEngagementProfile(), ct));

    private static async Task<Ok<EngagementProfileView>> SaveMyEngagementProfile(
        IMediator mediator, EngagementProfileRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SaveMyEngagementProfile(body, ifMatch), ct));

    /// <summary>A body that does not say which is refused: taken as "no", it would decline every invitation for good.</summary>
    private static async Task<Ok<EngagementProfileView>> SetEngagementContact(IMediator mediator, ContactRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetEngagementContact(body.OptIn
            ?? throw new RequestValidationException("optIn", "Required: true to be told of paid work, false to stop.")), ct));

    private static async Task<Ok<IReadOnlyList<OpportunityView>>> ListMyOpportunities(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListMyOpportunities(), ct));

    private static async Task<Ok<Page<OpportunityView>>> ListOpportunities(IMediator mediator, int? pageSize, string? continuationToken, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListOpportunities(pageSize ?? Paging.DefaultPageSize, continuationToken), ct));

    private static async Task<Created<OpportunityView>> CreateOpportunity(IMediator mediator, OpportunityRequest body, HttpResponse response, CancellationToken ct)
    {
        var created = await mediator.Send(new CreateOpportunity(AgencyStore.NewId(), body), ct);
        response.Headers.ETag = created.ETag;
        return TypedResults.Created($"/api/engagements/opportunities/{created.Id}", OpportunityViews.ForRecruiter(created, null));
    }

    private static async Task<Ok<OpportunityView>> GetOpportunity(IMediator mediator, string id, HttpResponse response, CancellationToken ct)
    {
        var view = await mediator.Send(new GetOpportunity(id), ct);

        // The recruiter's view (the one listing participants) is the work's version; a survivor's names its terms, in the body only.
        if (view is { Version: { } version, Participants: not null })
        {
            response.Headers.ETag = version;
        }

        return TypedResults.Ok(view);
    }

    private static async Task<Ok<OpportunityView>> UpdateOpportunity(
        IMediator mediator, string id, OpportunityRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new UpdateOpportunity(id, body, ifMatch), ct));

    private static Task<Ok<OpportunityView>> PublishOpportunity(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        Move(mediator, id, OpportunityMove.Publish, ifMatch, response, ct);

    private static Task<Ok<OpportunityView>> CloseOpportunity(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        Move(mediator, id, OpportunityMove.Close, ifMatch, response, ct);

    private static Task<Ok<OpportunityView>> CompleteOpportunity(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        Move(mediator, id, OpportunityMove.Complete, ifMatch, response, ct);

    private static Task<Ok<OpportunityView>> CancelOpportunity(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, HttpResponse response, CancellationToken ct) =>
        Move(mediator, id, OpportunityMove.Cancel, ifMatch, response, ct);

    private static async Task<Ok<OpportunityView>> Move(IMediator mediator, string id, OpportunityMove move, string? ifMatch, HttpResponse response, CancellationToken ct) =>
        WithETag(response, await mediator.Send(new MoveOpportunity(id, move, ifMatch), ct));

    private static Task<Ok<OpportunityView>> ApplyToOpportunity(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? terms, CancellationToken ct) =>
        Answer(mediator, id, ParticipationMove.Apply, ct, terms);

    private static Task<Ok<OpportunityView>> AcceptInvitation(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? terms, CancellationToken ct) =>
        Answer(mediator, id, ParticipationMove.Accept, ct, terms);

    private static Task<Ok<OpportunityView>> DeclineInvitation(IMediator mediator, string id, CancellationToken ct) => Answer(mediator, id, ParticipationMove.Decline, ct);

    private static Task<Ok<OpportunityView>> WithdrawFromOpportunity(IMediator mediator, string id, CancellationToken ct) => Answer(mediator, id, ParticipationMove.Withdraw, ct);

    private static async Task<Ok<IReadOnlyList<CandidateView>>> ListCandidates(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListCandidates(id), ct));

    private static async Task<Ok<ParticipantView>> InviteToOpportunity(IMediator mediator, string id, InviteRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new InviteToOpportunity(id, body.PersonId), ct));

    private static async Task<Ok<OpportunityView>> Answer(IMediator mediator, string id, ParticipationMove move, CancellationToken ct, string? terms = null) =>
        TypedResults.Ok(await mediator.Send(new MoveParticipation(id, move, Terms: terms), ct));

    private static Ok<OpportunityView> WithETag(HttpResponse response, Opportunity opportunity)
    {
        response.Headers.ETag = opportunity.ETag;
        return TypedResults.Ok(OpportunityViews.ForRecruiter(opportunity, null));
    }
}

public sealed record ContactRequest(bool? OptIn);
