namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>
/// Enum values as clients send them: by name, in any case. "3", "1, 2" or "Pending, Approved" would parse as a
/// number or a flag combination (which may happen to equal another value), so text with a digit or a comma is
/// never a value; nor is a name the enum does not define.
/// </summary>
public static class EnumNames
{
    public static bool TryParse<T>(string? text, out T value)
        where T : struct, Enum
    {
        value = default;
        return text is not null && !text.Any(c => char.IsDigit(c) || c == ',') && Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value);
    }

    /// <summary>A value the validation behaviour has already accepted.</summary>
    public static T Parse<T>(string? text)
        where T : struct, Enum =>
        TryParse(text, out T value) ? value : throw new ArgumentException($"'{text}' was not validated as a {typeof(T).Name}.", nameof(text));

    /// <summary>
    /// Adds "One of: …" to <paramref name="field"/> unless <paramref name="text"/> names a value (or is absent and not
    /// required); "Required." when nothing was chosen, which a form shows beside a choice left empty.
    /// </summary>
    public static ValidationErrors OneOf<T>(this ValidationErrors errors, string field, string? text, bool required = true)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (text is null && !required)
        {
            return errors;
        }

        return TryParse(text, out T _) ? errors
            : required && string.IsNullOrWhiteSpace(text) ? errors.Add(field, "Required.")
            : errors.Add(field, $"One of: {string.Join(", ", Enum.GetNames<T>())}.");
    }
}
