using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Api.Infrastructure.Tenancy;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Engagements;

public sealed record WorkKindRequest(string? Key, string? Name, decimal? BenchmarkHourlyRate);

public sealed record EngagementSettingsRequest(string? Currency, WorkKindRequest[]? Kinds, bool? LateCancellationPays, int? LateCancellationHours, decimal? ReceiptCap = null);

/// <param name="Version">The settings as read (empty before any were saved): send it as If-Match so a save from an older page is refused.</param>
public sealed record EngagementSettingsView(string Currency, IReadOnlyList<WorkKind> Kinds, bool LateCancellationPays, int LateCancellationHours, decimal ReceiptCap, string Version = "");

public sealed record GetEngagementSettings : IQuery<EngagementSettingsView>;

/// <summary>
/// The agency admin sets the kinds of work and the professional benchmark hourly rate for each. With the version the
/// page was read at (<paramref name="IfMatch"/>), a save from an older page is refused rather than undo rates saved since.
/// </summary>
public sealed record SaveEngagementSettings(EngagementSettingsRequest Body, string? IfMatch = null) : ICommand<EngagementSettingsView>, IValidate, IAgencyAdminOnly, IAudited
{
    public const int MaxKinds = 30;

    public AuditTarget Audit => new("engagement.save-settings", "engagement-settings");

    public void Validate(ValidationErrors errors)
    {
        // The pay rules built in are in US dollars: IRS mileage, GSA per diem, information-return thresholds and the
        // bounds on rates and receipts. Applied to another currency's amounts they would pay the wrong sums.
        if (Body.Currency != "USD")
        {
            errors.Add("currency", "USD: payouts are in US dollars, since mileage, per diem and tax reporting follow IRS and GSA rates.");
        }

        errors.Range("lateCancellationHours", Body.LateCancellationHours, 0, 168);
        EngagementValidation.Rate(errors, "receiptCap", Body.ReceiptCap, required: false);
        if (Body.Kinds is not { Length: > 0 and <= MaxKinds } kinds)
        {
            errors.Add("kinds", $"Name 1 to {MaxKinds} kinds of work.");
            return;
        }

        foreach (var kind in kinds)
        {
            if (kind.Key is not { Length: > 0 and <= 40 } key || !key.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                errors.Add("kinds", "Each key is 1 to 40 lower-case letters, digits or '-'.");
            }

            errors.Text("kinds", kind.Name, 80);
            EngagementValidation.Rate(errors, "kinds", kind.BenchmarkHourlyRate, required: false);
        }

        if (kinds.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != kinds.Length)
        {
            errors.Add("kinds", "Each kind's key is used once.");
        }
    }
}

internal sealed class EngagementSettingsHandlers(EngagementData data, IPublisher publisher)
    : IQueryHandler<GetEngagementSettings, EngagementSettingsView>,
      ICommandHandler<SaveEngagementSettings, EngagementSettingsView>
{
    public async ValueTask<EngagementSettingsView> Handle(GetEngagementSettings query, CancellationToken ct) =>
        View(await data.SettingsAsync(ct));

    public async ValueTask<EngagementSettingsView> Handle(SaveEngagementSettings command, CancellationToken ct)
    {
        var body = command.Body;
        var existing = await data.Store.FindAsync<EngagementSettings>(EngagementSettings.Container, EngagementSettings.DocumentId, ct);
        var settings = new EngagementSettings
        {
            Id = EngagementSettings.DocumentId,
            Currency = body.Currency!,
            Kinds = [.. body.Kinds!.Select(k => new WorkKind(k.Key!, k.Name!.Trim(), k.BenchmarkHourlyRate))],
            // Left out, a term stays as it was, as the receipt cap does: a client that does not know of it does not reset it.
            LateCancellationPays = body.LateCancellationPays ?? existing?.LateCancellationPays ?? true,
            LateCancellationHours = body.LateCancellationHours ?? existing?.LateCancellationHours ?? 24,
            ReceiptCap = body.ReceiptCap ?? existing?.ReceiptCap ?? EngagementSettings.DefaultReceiptCap,
            UpdatedAt = data.Store.Now,
            UpdatedBy = data.Store.User.UserId,
            Loosened = existing?.Loosened,
        };
        // The settings there sent again (after telling the others failed, from a page that has not seen its own save's
        // version): nothing to write, and the telling is done again.
        if (existing is not null && existing.Currency == settings.Currency && existing.Kinds.SequenceEqual(settings.Kinds)
            && (existing.LateCancellationPays, existing.LateCancellationHours, existing.ReceiptCap) == (settings.LateCancellationPays, settings.LateCancellationHours, settings.ReceiptCap))
        {
            await publisher.TellWhileNewsAsync(data.Store.AgencyId, existing.Loosened, data.Store.Now);
            return View(existing);
        }

        PreconditionRequiredException.ThrowIfChangedSince(command.IfMatch, existing?.ETag);
        await EnsureKindsInUseStayAsync(existing?.Kinds ?? EngagementSettings.DefaultKinds, body.Kinds!, ct);

        // An agency's first save sets its currency: nothing was paid in another before.
        var before = existing ?? new EngagementSettings { Id = EngagementSettings.DocumentId, Kinds = EngagementSettings.DefaultKinds, Currency = settings.Currency };
        if (EngagementSettings.PaysLess(before, settings))
        {
            settings = settings with { Loosened = new PolicyLoosening(AgencyPolicy.EngagementPay, data.Store.User.UserId, data.Store.Now) };
        }

        var saved = existing is null
            ? await data.Store.CreateAsync(EngagementSettings.Container, settings, ct)
            : await data.Store.ReplaceAsync(EngagementSettings.Container, settings, existing.ETag!, ct);

        await publisher.TellWhileNewsAsync(data.Store.AgencyId, saved.Loosened, data.Store.Now);

        return View(saved);
    }

    /// <summary>
    /// A kind of work stays while an opportunity still to run is of that kind: its pay parity is checked against the
    /// kind's benchmark, and its form offers only the agency's kinds, so it could be neither published nor changed.
    /// </summary>
    private async Task EnsureKindsInUseStayAsync(IReadOnlyList<WorkKind> before, WorkKindRequest[] after, CancellationToken ct)
    {
        var removed = before.Where(k => after.All(a => a.Key != k.Key)).ToList();
        if (removed.Count == 0)
        {
            return;
        }

        var running = await data.Store.AllAsync<Opportunity>(EngagementData.Container,
            [Filter.In("state", OpportunityState.Draft, OpportunityState.Published, OpportunityState.Closed)], ct);
        if (removed.FirstOrDefault(k => running.Any(o => o.Kind == k.Key)) is { } inUse)
        {
            throw new ConflictException($"\"{inUse.Name}\" is the kind of an opportunity not yet completed or cancelled, so it stays until then.");
        }
    }

    private static EngagementSettingsView View(EngagementSettings s) => new(s.Currency, s.Kinds, s.LateCancellationPays, s.LateCancellationHours, s.ReceiptCap, s.ETag ?? "");
}

/// <summary>Field checks shared by the engagement requests.</summary>
public static class EngagementValidation
{
    /// <summary>A rate no agency would pay in earnest is a typing slip, not a policy.</summary>
    public const decimal MaxRate = 2000m;

    public static ValidationErrors Rate(ValidationErrors errors, string field, decimal? rate, bool required = true)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (rate is null)
        {
            return required ? errors.Add(field, "Required.") : errors;
        }

        return rate <= 0 || rate > MaxRate || decimal.Round(rate.Value, 2) != rate
            ? errors.Add(field, $"A positive amount up to {MaxRate}, in whole cents.")
            : errors;
    }

    public const string ZoneMessage = "An IANA time zone, for example America/Los_Angeles.";

    public static ValidationErrors Zone(ValidationErrors errors, string field, string? zone) =>
        Rules.EngagementTime.TryZone(zone, out _) ? errors : errors.Add(field, ZoneMessage);
}
