using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Payouts.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Payouts;

public sealed record PerDiemRateRequest(string? Location, DateOnly? From, decimal? MealsAndIncidentals, decimal? Lodging);

public sealed record PayoutSettingsRequest(decimal? TwoApproverThreshold, PerDiemRateRequest[]? LocationRates);

/// <summary>The agency's payout policy, the rates in force today, and whether Stripe payouts are on here.</summary>
/// <param name="Version">The policy's version, for a save that must not undo one made since (If-Match); empty before the first save.</param>
public sealed record PayoutSettingsView(
    decimal TwoApproverThreshold, IReadOnlyList<PerDiemRate> LocationRates, decimal MileageRateToday, PerDiemRate StandardPerDiemToday,
    decimal InformationReturnThreshold, bool StripePayoutsOn, string Version = "");

public sealed record GetPayoutSettings : IQuery<PayoutSettingsView>;

/// <param name="IfMatch">The version the policy was read at (optional): a save from an older page is refused rather than drop rates saved since.</param>
public sealed record SavePayoutSettings(PayoutSettingsRequest Body, string? IfMatch = null) : ICommand<PayoutSettingsView>, IValidate, IAgencyAdminOnly, IAudited
{
    public const int MaxLocations = 200;

    public AuditTarget Audit => new("payout.save-settings", "payout-settings");

    public void Validate(ValidationErrors errors)
    {
        EngagementValidation.Rate(errors, "twoApproverThreshold", Body.TwoApproverThreshold);
        if (Body.LocationRates is { Length: > MaxLocations })
        {
            errors.Add("locationRates", $"At most {MaxLocations} location rates.");
            return;
        }

        foreach (var rate in Body.LocationRates ?? [])
        {
            errors.Text("locationRates", rate.Location, 80);
            if (rate.From is null)
            {
                errors.Add("locationRates", "Each rate needs the date it takes effect.");
            }

            EngagementValidation.Rate(errors, "locationRates", rate.MealsAndIncidentals);
            EngagementValidation.Rate(errors, "locationRates", rate.Lodging);
        }

        if ((Body.LocationRates ?? []).GroupBy(r => (r.Location?.Trim().ToUpperInvariant(), r.From)).Any(g => g.Count() > 1))
        {
            errors.Add("locationRates", "One rate per location and date.");
        }
    }
}

internal sealed class PayoutSettingsHandlers(PayoutData data, IStripeGateway stripe, IPublisher publisher)
    : IQueryHandler<GetPayoutSettings, PayoutSettingsView>, ICommandHandler<SavePayoutSettings, PayoutSettingsView>
{
    public async ValueTask<PayoutSettingsView> Handle(GetPayoutSettings query, CancellationToken ct) => await ViewAsync(await data.SettingsAsync(ct), ct);

    public async ValueTask<PayoutSettingsView> Handle(SavePayoutSettings command, CancellationToken ct)
    {
        var existing = await data.SettingsAsync(ct);
        var threshold = command.Body.TwoApproverThreshold!.Value;
        List<PerDiemRate> rates = [.. (command.Body.LocationRates ?? []).Select(r => new PerDiemRate(r.From!.Value, r.MealsAndIncidentals!.Value, r.Lodging!.Value, r.Location!.Trim()))];

        // The settings there sent again (after telling the others failed, from a page that has not seen its own save's
        // version): nothing to write, and the telling is done again.
        if (existing.ETag is not null && threshold == existing.TwoApproverThreshold && rates.ToHashSet().SetEquals(existing.LocationRates) && rates.Count == existing.LocationRates.Count)
        {
            await publisher.TellWhileNewsAsync(data.Store.AgencyId, existing.Loosened, data.Store.Now);
            return await ViewAsync(existing, ct);
        }

        PreconditionRequiredException.ThrowIfChangedSince(command.IfMatch, existing.ETag);
        var loosens = threshold > existing.TwoApproverThreshold || !rates.ToHashSet().SetEquals(existing.LocationRates);
        var settings = existing with
        {
            TwoApproverThreshold = threshold,
            LocationRates = rates,
            UpdatedAt = data.Store.Now,
            UpdatedBy = data.Store.User.UserId,
            Loosened = loosens ? new PolicyLoosening(AgencyPolicy.PayoutApprovals, data.Store.User.UserId, data.Store.Now) : existing.Loosened,
        };
        var saved = existing.ETag is null
            ? await data.Store.CreateAsync(PayoutData.Container, settings, ct)
            : await data.Store.ReplaceAsync(PayoutData.Container, settings, existing.ETag, ct);

        await publisher.TellWhileNewsAsync(data.Store.AgencyId, saved.Loosened, data.Store.Now);

        return await ViewAsync(saved, ct);
    }

    private async Task<PayoutSettingsView> ViewAsync(PayoutSettings settings, CancellationToken ct)
    {
        var today = await data.TodayAsync(ct);
        var rates = data.Options.RatesWith(settings.LocationRates);
        return new(settings.TwoApproverThreshold, settings.LocationRates, rates.MileageOn(today), rates.PerDiemFor(null, today),
            TaxYear.ThresholdFor(today.Year, data.Options.ReportingThresholds), stripe.Enabled, settings.ETag ?? "");
    }
}
