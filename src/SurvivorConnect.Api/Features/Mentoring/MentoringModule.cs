using Mediator;
using SurvivorConnect.Api.Features.Audit;
using SurvivorConnect.Api.Features.Consent;
using SurvivorConnect.Api.Features.Mentoring.Rules;
using SurvivorConnect.Api.Features.Notifications;
using SurvivorConnect.Api.Features.People;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>
/// Mentors, youth referrals and their stages of change, consent records, matches and their notifications.
/// Its two guards, <see cref="MentorEligibilityGuard"/> and <see cref="MatchConsentGuard"/>, are asked by the match
/// handler: by a proposal, once the youth is found on the caller's caseload, and by every move, on the match as the
/// move reads it.
/// </summary>
public static class MentoringModule
{
    public static WebApplicationBuilder AddMentoring(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddContainer(MentorProfile.Container).AddContainer(YouthReferral.Container).AddContainer(Match.Container);
        services.AddScoped<MentoringData>();
        services.AddSingleton<MentorPool>();
        foreach (var source in MentorPool.Sources)
        {
            services.AddSingleton(new WatchedContainer(source));
        }

        services.AddScoped<MatchConsentGuard>();
        services.AddScoped<MentorEligibilityGuard>();
        services.AddScoped<YouthCaseManagerNews>();
        services.AddScoped<IConsentSubjects, MentoringConsentSubjects>();
        services.AddScoped<IPeopleKeptFromAdmin, YouthSignInsKeptFromAdmin>();
        services.AddScoped<ServedYouthSignIns>();
        services.AddScoped<IServedYouthSignIns>(sp => sp.GetRequiredService<ServedYouthSignIns>());
        services.AddScoped<Agencies.IAdultAgeRaise>(sp => sp.GetRequiredService<ServedYouthSignIns>());
        services.AddScoped<IAuditKeptFromAdmin, YouthTrailsKeptFromAdmin>();
        services.AddMentoringScopes();
        services.Configure<MatchingWeights>(builder.Configuration.GetSection(MatchingWeights.SectionName));

        return builder;
    }

    public static IEndpointRouteBuilder MapMentoring(this IEndpointRouteBuilder app) =>
        app.MapMentors().MapYouth().MapCaseManagers().MapSupervisorsNeeded().MapMissingEpisodes().MapMatches();
}
