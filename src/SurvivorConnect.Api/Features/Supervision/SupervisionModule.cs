using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

/// <summary>
/// Supervision of survivor mentors (PRODUCT.md rule 4): wellbeing check-ins on an instrument kept as data, scored
/// by a pure class, flags to the mentor's supervisor (urgent ones live, with an automatic hold on new matches),
/// supervision sessions, and an agency overview in aggregate only. Answers and notes are for the mentor and their
/// supervisor alone.
/// </summary>
public static class SupervisionModule
{
    public static WebApplicationBuilder AddSupervision(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddContainer(InstrumentDocument.Container);
        builder.Services.AddScoped<SupervisionData>();
        builder.Services.AddScoped<Mentoring.IWellbeingUrgentWaits, WellbeingUrgentWaits>();
        builder.Services.AddScoped<CheckInFollowUps>();
        builder.Services.AddSingleton<UnsentCheckIns>();
        builder.Services.AddSingleton<Infrastructure.Hosting.IStaleFormRescue>(services => services.GetRequiredService<UnsentCheckIns>());
        builder.Services.AddSingleton<CheckInWorker>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CheckInWorker>());
        return builder;
    }

    public static IEndpointRouteBuilder MapSupervision(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/supervision").WithTags("Supervision")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

        var me = group.MapGroup("/me").RequireAuthorization(Policies.Mentor);
        me.MapGet("/", GetMyWellbeing).WithName(nameof(GetMyWellbeing))
            .WithSummary("Whether a check-in is due (and why), its questions, and your check-ins in plain words.");
        me.MapPost("/check-ins", SubmitCheckIn).WithName(nameof(SubmitCheckIn)).Accepts<CheckInRequest>("application/json")
            .WithSummary("Your answers; you are told kind words (and the crisis lines, if you said you are not safe), never a score.")
            .WithDescription("If it fails on our side (a 5xx), the problem carries `crisisResources`: the answers may have said you are not safe.")
            .WithMetadata(new CrisisLinesOnFailure());

        var mentors = group.MapGroup("/mentors").RequireAuthorization(Policies.Supervisor);
        mentors.MapGet("/", ListSupervisedMentors).WithName(nameof(ListSupervisedMentors))
            .WithSummary("Your mentors: latest bands and trend, days since the last check-in, open flags, hold, active matches.");
        mentors.MapGet("/{id}", GetMentorWellbeing).WithName(nameof(GetMentorWellbeing))
            .WithSummary("One of your mentors: check-ins with answers, flags and supervision sessions.");
        mentors.MapPut("/{id}/cadence", SetCheckInCadence).WithName(nameof(SetCheckInCadence))
            .WithSummary("How often this mentor is asked to check in (7 to 90 days).");
        mentors.MapPost("/{id}/sessions", RecordRegularSupervision).WithName(nameof(RecordRegularSupervision))
            .WithSummary("Record a regular supervision session held with this mentor (one a day); notes are for their supervisors only.");

        var flags = group.MapGroup("/flags/{id}").RequireAuthorization(Policies.Supervisor);
        flags.MapGet("/", GetWellbeingFlag).WithName(nameof(GetWellbeingFlag));
        flags.MapPost("/acknowledge", AcknowledgeWellbeingFlag).WithName(nameof(AcknowledgeWellbeingFlag))
            .WithSummary("You have seen it (for an urgent one, this is the review that lifts the automatic hold).")
            .WithDescription("Send the flag's `version` as If-Match (428 without it): once it changed (a later check-in may have added a concern), you are answered 412 and read it again.");
        flags.MapPost("/sessions", RecordSupervisionSession).WithName(nameof(RecordSupervisionSession))
            .WithSummary("A supervision session: date, notes, agreed actions, follow-up date.")
            .WithDescription("Send the flag's `version` as If-Match (428 without it, 412 once it changed): on an open flag, recording a session also marks it seen.");
        flags.MapPost("/resolve", ResolveWellbeingFlag).WithName(nameof(ResolveWellbeingFlag))
            .WithDescription("Send the flag's `version` as If-Match, as for acknowledging.");

        var admin = group.MapGroup("/").RequireAuthorization(Policies.AgencyAdmin);
        admin.MapGet("/settings", GetSupervisionSettings).WithName(nameof(GetSupervisionSettings))
            .WithSummary("Which instrument version mentors answer, how much worse is a concern, and the instruments loaded.");
        admin.MapPut("/settings", SaveSupervisionSettings).WithName(nameof(SaveSupervisionSettings))
            .WithDescription("Send the settings' `version` as If-Match (428 without it once there are settings): a save from an older page is answered 412.");
        admin.MapPost("/instruments", LoadInstrument).WithName(nameof(LoadInstrument))
            .WithSummary("Load an instrument the agency is licensed to use, as data (items, scale, subscales and bands).");
        admin.MapGet("/overview", GetWellbeingOverview).WithName(nameof(GetWellbeingOverview))
            .WithSummary("Mentors per band and flags per month, in aggregate: no count under 11 is shown.");
        return app;
    }

    private static async Task<Ok<MyWellbeingView>> GetMyWellbeing(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMyWellbeing(), ct));

    // The body is read here, not bound: a check-in of the wrong shape is still read for an urgent answer (CheckInBody),
    // and the document describes it as the CheckInRequest it should be (Accepts).
    private static async Task<Ok<CheckInReply>> SubmitCheckIn(IMediator mediator, HttpRequest http, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(http.Body, json.Value.SerializerOptions, ct);
        }
        catch (JsonException)
        {
            throw new RequestValidationException("body", "A check-in as JSON: see GET /api/supervision/me.");
        }

        var (request, unreadable) = CheckInBody.Read(body, json.Value.SerializerOptions);
        return TypedResults.Ok(await mediator.Send(new SubmitCheckIn(request, unreadable), ct));
    }

    private static async Task<Ok<IReadOnlyList<SupervisedMentorView>>> ListSupervisedMentors(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListSupervisedMentors(), ct));

    private static async Task<Ok<MentorWellbeingView>> GetMentorWellbeing(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetMentorWellbeing(id), ct));

    private static async Task<Ok<SupervisedMentorView>> SetCheckInCadence(IMediator mediator, string id, CadenceRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SetCheckInCadence(id, body), ct));

    private static async Task<Ok<MentorWellbeingView>> RecordRegularSupervision(IMediator mediator, string id, RegularSessionRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordRegularSupervision(id, body), ct));

    private static async Task<Ok<FlagView>> GetWellbeingFlag(IMediator mediator, string id, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetWellbeingFlag(id), ct));

    private static async Task<Ok<FlagView>> AcknowledgeWellbeingFlag(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new MoveWellbeingFlag(id, FlagMove.Acknowledge, ifMatch), ct));

    private static async Task<Ok<FlagView>> ResolveWellbeingFlag(IMediator mediator, string id, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new MoveWellbeingFlag(id, FlagMove.Resolve, ifMatch), ct));

    private static async Task<Ok<FlagView>> RecordSupervisionSession(IMediator mediator, string id, SessionRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new RecordSupervisionSession(id, body, ifMatch), ct));

    private static async Task<Ok<SupervisionSettingsView>> GetSupervisionSettings(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetSupervisionSettings(), ct));

    private static async Task<Ok<SupervisionSettingsView>> SaveSupervisionSettings(
        IMediator mediator, SupervisionSettingsRequest body, [FromHeader(Name = "If-Match")] string? ifMatch, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new SaveSupervisionSettings(body, ifMatch), ct));

    private static async Task<Ok<InstrumentSummary>> LoadInstrument(IMediator mediator, InstrumentDefinition? body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new LoadInstrument(body), ct));

    private static async Task<Ok<WellbeingOverview>> GetWellbeingOverview(IMediator mediator, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new GetWellbeingOverview(), ct));
}
