using SurvivorConnect.Api.Features.Teaming;
using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Teaming.Rules;

internal static class TeamingValidation
{
    public const int MaxProfessionals = 20;

    /// <summary>At least one kind of record, each one a partnership may share.</summary>
    public static void Kinds(ValidationErrors errors, string field, string[]? kinds)
    {
        if (kinds is not { Length: > 0 })
        {
            errors.Add(field, $"Name what is shared: one or more of {string.Join(", ", SharingRules.AllKinds)}.");
            return;
        }

        foreach (var kind in kinds)
        {
            errors.OneOf<RecordKind>(field, kind?.Trim());
        }
    }

    /// <summary>A due date a plan or an action can have: from 2000 to 2100 (a typing slip like 0202 would never be overdue).</summary>
    public static void Due(ValidationErrors errors, string field, DateOnly? due)
    {
        if (due is { Year: < 2000 or > 2100 })
        {
            errors.Add(field, "A date between 2000 and 2100.");
        }
    }

    public static void Professionals(ValidationErrors errors, ProfessionalOffer[]? offers)
    {
        if (offers is { Length: > MaxProfessionals })
        {
            errors.Add("professionals", $"At most {MaxProfessionals}.");
            return;
        }

        foreach (var offer in offers ?? [])
        {
            errors.Text("professionals", offer?.PersonId, 128).Text("professionals", offer?.Title, 80);
        }
    }
}
