using SurvivorConnect.Api.Infrastructure.Auth;
using Microsoft.AspNetCore.Http.HttpResults;
using Mediator;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;
using SurvivorConnect.Api.Features.Chat.Rules;
using SurvivorConnect.Api.Features.Mentoring;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Chat;

/// <summary>The overseen mentor–youth chat: its hub, its safety flags, and who may use it, kept true on every instance.</summary>
public static class ChatModule
{
    public const int MaxReceiveMessageBytes = 16 * 1024;

    public static WebApplicationBuilder AddChat(this WebApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(ChatOptions.SectionName);
        builder.Services.Configure<ChatOptions>(section);

        // A line left without a name is none, and a number left empty (an environment setting cleared) is no number.
        builder.Services.PostConfigure<ChatOptions>(options =>
        {
            var lines = options.CrisisResources.Where(line => !string.IsNullOrWhiteSpace(line.Name))
                .Select(line => line with { Call = ValidationErrors.Optional(line.Call), Text = ValidationErrors.Optional(line.Text) }).ToList();
            options.CrisisResources = lines.Count > 0 ? lines : [.. ChatOptions.UnitedStatesCrisisLines];
            options.EmergencyNumber = options.EmergencyNumber.Trim();
        });
        builder.Services.AddContainer(Conversation.Container).AddContainer(SafetyFlag.Container).AddContainer(WellbeingPrompt.Container);
        builder.Services.AddScoped<ChatService>();
        builder.Services.AddScoped<CrisisLineDirectory>();
        builder.Services.AddScoped<IUrgentWaits, UrgentWaits>();
        builder.Services.AddSingleton<ChatRateLimiter>();
        builder.Services.AddSingleton<ConversationCopies>();
        builder.Services.AddSingleton<ReadReceipts>();
        builder.Services.AddSingleton<ChatConnections>();
        builder.Services.AddSingleton<ChatAccessReconciler>();
        builder.Services.AddSingleton<ChatAccessBus>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatAccessBus>());
        builder.Services.AddHostedService<ChatAccessRecheck>();
        builder.Services.AddSingleton<ChatFlagWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChatFlagWorker>());
        builder.Services.AddSingleton<IUserIdProvider, ChatUserIdProvider>();

        // Each configured list replaces the shipped one; an absent list keeps it.
        var configured = builder.Configuration.GetSection(SafetyOptions.SectionName).Get<SafetyOptions>() ?? new SafetyOptions();
        var defaults = SafetyOptions.Defaults();
        builder.Services.AddSingleton(new SafetyScanner(new SafetyOptions
        {
            Hold = configured.Hold.Count > 0 ? configured.Hold : defaults.Hold,
            Flag = configured.Flag.Count > 0 ? configured.Flag : defaults.Flag,
            Crisis = configured.Crisis.Count > 0 ? configured.Crisis : defaults.Crisis,
            HoldFromMentor = configured.HoldFromMentor.Count > 0 ? configured.HoldFromMentor : defaults.HoldFromMentor,
        }));
        builder.Services.AddSingleton<IContactDetails>(sp => sp.GetRequiredService<SafetyScanner>());

        var signalR = builder.Services.AddSignalR(o =>
        {
            o.MaximumReceiveMessageSize = MaxReceiveMessageBytes;
            o.EnableDetailedErrors = false;
            o.AddFilter<ChatHubFilter>();
        });
        if (section.Get<ChatOptions>()?.Redis is { Length: > 0 } redis)
        {
            signalR.AddStackExchangeRedis(redis, o => o.Configuration.ChannelPrefix = RedisChannel.Literal("survivorconnect"));
        }

        return builder;
    }

    /// <summary>Refuses browser handshakes to the hub from origins not on <c>Chat:AllowedOrigins</c>.</summary>
    public static WebApplication UseChat(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseMiddleware<ChatOriginCheck>();
        return app;
    }

    public static IEndpointRouteBuilder MapChat(this IEndpointRouteBuilder app)
    {
        // A connection does not outlive its token or portal session: the hub filter closes it then, by the app's clock
        // (SignalR's own CloseOnAuthenticationExpiration would go by the machine's), and refuses calls after it.
        app.MapHub<ChatHub>("/hubs/chat", o => o.AllowStatefulReconnects = true)
            .RequireAuthorization(Policies.MatchParticipant);

        var flags = app.MapGroup("/api/flags").WithTags("Chat safety").RequireAuthorization(Policies.CaseManager)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        flags.MapGet("/", ListFlags).WithName(nameof(ListFlags))
            .WithSummary("Safety flags from the chats of youth on your caseload, urgent first.");
        flags.MapPost("/{id}/release", ReleaseFlag).WithName(nameof(ReleaseFlag))
            .WithSummary("Deliver a held message.");
        flags.MapPost("/{id}/reject", RejectFlag).WithName(nameof(RejectFlag))
            .WithSummary("Keep a held message from being delivered.");
        flags.MapPost("/{id}/resolve", ResolveFlag).WithName(nameof(ResolveFlag))
            .WithSummary("Close a flag with a note.");
        return app;
    }

    private static async Task<Ok<IReadOnlyList<FlagView>>> ListFlags(IMediator mediator, string? status, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ListFlags(status), ct));

    private static async Task<Ok<FlagView>> ReleaseFlag(IMediator mediator, string id, FlagReviewRequest? body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ReviewFlag(id, FlagStatus.Released, body?.Note), ct));

    private static async Task<Ok<FlagView>> RejectFlag(IMediator mediator, string id, FlagReviewRequest? body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ReviewFlag(id, FlagStatus.Rejected, body?.Note), ct));

    private static async Task<Ok<FlagView>> ResolveFlag(IMediator mediator, string id, FlagReviewRequest body, CancellationToken ct) =>
        TypedResults.Ok(await mediator.Send(new ReviewFlag(id, FlagStatus.Resolved, body.Note), ct));
}
