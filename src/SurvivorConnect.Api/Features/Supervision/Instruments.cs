using Mediator;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Features.Supervision.Rules;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Api.Infrastructure.Pipeline;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Features.Supervision;

public sealed record InstrumentSummary(string Key, int Version, string Name, string RecallPeriod, int Items, string? Credit, bool Active);

/// <param name="Version">The settings as read (empty before any were saved): sent back as If-Match, a save from an older page is refused.</param>
public sealed record SupervisionSettingsView(string InstrumentKey, int InstrumentVersion, decimal ConcernRise, IReadOnlyList<InstrumentSummary> Instruments, string Version = "");

public sealed record SupervisionSettingsRequest(string? InstrumentKey, int? InstrumentVersion, decimal? ConcernRise);

public sealed record GetSupervisionSettings : IQuery<SupervisionSettingsView>, IAgencyAdminOnly;

/// <summary>An agency admin loads an instrument the agency is licensed to use, as data; a key and version is loaded once.</summary>
public sealed record LoadInstrument(InstrumentDefinition? Body) : ICommand<InstrumentSummary>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("wellbeing.load-instrument", "instrument", Body is null ? null : InstrumentDocument.IdFor(Body.Key, Body.Version));

    public void Validate(ValidationErrors errors) => InstrumentRules.Validate(Body, errors);
}

/// <param name="IfMatch">The version the settings were read at: a save from an older page must not switch back an instrument chosen since.</param>
public sealed record SaveSupervisionSettings(SupervisionSettingsRequest Body, string? IfMatch = null) : ICommand<SupervisionSettingsView>, IValidate, IAgencyAdminOnly, IAudited
{
    public AuditTarget Audit => new("wellbeing.save-settings", "supervision-settings");

    public void Validate(ValidationErrors errors)
    {
        errors.Text("instrumentKey", Body.InstrumentKey, 40).Range("instrumentVersion", Body.InstrumentVersion, 1, 1000);
        if (Body.InstrumentVersion is null)
        {
            errors.Add("instrumentVersion", "Required.");
        }

        if (Body.ConcernRise is not { } rise || rise <= 0 || rise > 10)
        {
            errors.Add("concernRise", "More than 0 and at most 10.");
        }
    }
}

internal sealed class InstrumentHandlers(SupervisionData data, IPublisher publisher)
    : IQueryHandler<GetSupervisionSettings, SupervisionSettingsView>,
      ICommandHandler<LoadInstrument, InstrumentSummary>,
      ICommandHandler<SaveSupervisionSettings, SupervisionSettingsView>
{
    public async ValueTask<SupervisionSettingsView> Handle(GetSupervisionSettings query, CancellationToken ct) => await ViewAsync(await data.SettingsAsync(ct), ct);

    public async ValueTask<InstrumentSummary> Handle(LoadInstrument command, CancellationToken ct)
    {
        var definition = command.Body!;
        if (definition.Key == DefaultInstrument.Key)
        {
            throw new ConflictException("That key is SurvivorConnect's own instrument; give yours a key of its own.");
        }

        try
        {
            await data.Store.CreateAsync(SupervisionData.Container, new InstrumentDocument
            {
                Id = InstrumentDocument.IdFor(definition.Key, definition.Version),
                Definition = definition,
                LoadedAt = data.Store.Now,
                LoadedBy = data.Me,
            }, ct);
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Conflict)
        {
            throw new ConflictException("That version of the instrument is loaded already; check-ins record the version they answered, so load a new version instead.");
        }

        return Summary(definition, active: false);
    }

    public async ValueTask<SupervisionSettingsView> Handle(SaveSupervisionSettings command, CancellationToken ct)
    {
        var body = command.Body;
        var chosen = await data.InstrumentAsync(body.InstrumentKey!, body.InstrumentVersion!.Value, ct);
        if (chosen is null)
        {
            throw new RequestValidationException("instrumentKey", "No instrument with that key and version is loaded.");
        }

        // One loaded before instruments had to alert is still stored; it is not chosen.
        if (!InstrumentRules.Alerts(chosen))
        {
            throw new RequestValidationException("instrumentKey", "This instrument cannot tell a supervisor of an urgent answer or a concern; load a version that can.");
        }

        var maxRise = InstrumentRules.MaxConcernRise(chosen);
        if (body.ConcernRise > maxRise)
        {
            throw new RequestValidationException("concernRise", $"At most {maxRise:0.##} on this check-in's scale: a mentor's scores falling further before anyone hears is heard too late.");
        }

        var existing = await data.Store.FindAsync<SupervisionSettings>(SupervisionData.Container, SupervisionSettings.DocumentId, ct);

        // The settings there sent again (after telling the others failed, from a page that has not seen its own save's
        // version): nothing to write, and the telling is done again.
        if (existing is not null && existing.InstrumentKey == body.InstrumentKey && existing.InstrumentVersion == body.InstrumentVersion && existing.ConcernRise == body.ConcernRise)
        {
            await publisher.TellWhileNewsAsync(data.Store.AgencyId, existing.Loosened, data.Store.Now);
            return await ViewAsync(existing, ct);
        }

        PreconditionRequiredException.ThrowIfChangedSince(command.IfMatch, existing?.ETag);
        // A larger fall before a concern, or check-ins asked and scored another way, may tell supervisors later: the other
        // admins and the supervisors hear of it, so no admin makes mentors' strain heard later unseen.
        var before = existing ?? new SupervisionSettings { Id = SupervisionSettings.DocumentId };
        var alertsLater = body.ConcernRise > before.ConcernRise || body.InstrumentKey != before.InstrumentKey || body.InstrumentVersion != before.InstrumentVersion;
        var settings = before with
        {
            InstrumentKey = body.InstrumentKey!, InstrumentVersion = body.InstrumentVersion.Value, ConcernRise = body.ConcernRise!.Value,
            Loosened = alertsLater ? new PolicyLoosening(AgencyPolicy.SupervisionAlerts, data.Me, data.Store.Now) : existing?.Loosened,
        };
        var saved = existing is null
            ? await data.Store.CreateAsync(SupervisionData.Container, settings, ct)
            : await data.Store.ReplaceAsync(SupervisionData.Container, settings, existing.ETag!, ct);
        await publisher.TellWhileNewsAsync(data.Store.AgencyId, saved.Loosened, data.Store.Now);
        return await ViewAsync(saved, ct);
    }

    private async Task<SupervisionSettingsView> ViewAsync(SupervisionSettings settings, CancellationToken ct)
    {
        var loaded = (await data.Store.AllAsync<InstrumentDocument>(SupervisionData.Container, [], ct)).Select(d => d.Definition);
        bool Active(InstrumentDefinition d) => d.Key == settings.InstrumentKey && d.Version == settings.InstrumentVersion;
        return new SupervisionSettingsView(settings.InstrumentKey, settings.InstrumentVersion, settings.ConcernRise,
            [.. loaded.Prepend(DefaultInstrument.Version1).Select(d => Summary(d, Active(d)))], settings.ETag ?? "");
    }

    private static InstrumentSummary Summary(InstrumentDefinition d, bool active) => new(d.Key, d.Version, d.Name, d.RecallPeriod, d.Items.Count, d.Credit, active);
}
