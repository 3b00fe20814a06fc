using SurvivorConnect.Api.Infrastructure.Pipeline;

namespace SurvivorConnect.Api.Features.Mentoring;

/// <summary>Field checks shared by the mentoring requests.</summary>
public static class MentoringValidation
{
    /// <summary>A stage the validation behaviour has already accepted.</summary>
    public static StageOfChange ParseStage(string? value) => EnumNames.Parse<StageOfChange>(value);

    public static ValidationErrors Stage(this ValidationErrors errors, string field, string? value, bool required = true)
    {
        if (value is null)
        {
            return required ? errors.Add(field, "Required.") : errors;
        }

        return EnumNames.TryParse(value, out StageOfChange _)
            ? errors
            : errors.Add(field, $"Unknown stage. Stages: {string.Join(", ", Enum.GetNames<StageOfChange>().Select(n => n.ToLowerInvariant()))}.");
    }

    public static ValidationErrors Location(this ValidationErrors errors, string field, GeoPoint? point)
    {
        if (point is not null && (point.Latitude is < -90 or > 90 || point.Longitude is < -180 or > 180 || double.IsNaN(point.Latitude) || double.IsNaN(point.Longitude)))
        {
            errors.Add(field, "Latitude must be within ±90 and longitude within ±180.");
        }

        return errors;
    }
}
