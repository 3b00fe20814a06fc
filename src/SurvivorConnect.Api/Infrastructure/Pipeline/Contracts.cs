using SurvivorConnect.Api.Features.Audit;

namespace SurvivorConnect.Api.Infrastructure.Pipeline;

/// <summary>A request that checks its own fields; the validation behaviour runs it before the handler.</summary>
public interface IValidate
{
    void Validate(ValidationErrors errors);
}

/// <summary>
/// Checks a request's fields with something the request cannot know alone (a registry, options). Its errors
/// join the request's own <see cref="IValidate"/> errors in one 400.
/// </summary>
public interface IValidator<in TMessage>
{
    void Validate(TMessage message, ValidationErrors errors);
}

/// <summary>
/// A request only an agency admin may make, wherever it is sent from (an endpoint, a portal page): the pipeline refuses
/// anyone else before its handler runs, so a page or a route with a broader policy cannot open it.
/// </summary>
public interface IAgencyAdminOnly;

/// <summary>A request whose every execution is written to the audit log, with its outcome.</summary>
public interface IAudited
{
    AuditTarget Audit { get; }
}

/// <summary>The action and the record an audited request touches.</summary>
public sealed record AuditTarget(string Action, string RecordType, string? RecordId = null)
{
    public AuditEvent With(AuditOutcome outcome) => new(Action, RecordType, RecordId, outcome);
}

public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    /// <summary>The most reasons one field is refused with.</summary>
    public const int MaxMessagesPerField = 5;

    /// <summary>
    /// Each message once a field, and a few at most: a list of thousands of bad items is answered with what is wrong
    /// with them, not a refusal many times the size of the request.
    /// </summary>
    public ValidationErrors Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        if (list.Count < MaxMessagesPerField && !list.Contains(message, StringComparer.Ordinal))
        {
            list.Add(message);
        }

        return this;
    }

    /// <summary>Required text, trimmed length within bounds, no control or hidden characters (see <see cref="HiddenCharacters"/>).</summary>
    public ValidationErrors Text(string field, string? value, int maxLength, bool required = true) => Check(field, value, maxLength, required, lines: false);

    /// <summary>
    /// Text typed in a box of several lines (notes, a description, someone's own words): as <see cref="Text"/>, but
    /// its line breaks and tabs are kept.
    /// </summary>
    public ValidationErrors Prose(string field, string? value, int maxLength, bool required = true) => Check(field, value, maxLength, required, lines: true);

    private ValidationErrors Check(string field, string? value, int maxLength, bool required, bool lines)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return required ? Add(field, "Required.") : this;
        }

        if (value.Trim().Length > maxLength)
        {
            Add(field, $"At most {maxLength} characters.");
        }

        if (value.Any(c => char.IsControl(c) && !(lines && c is '\n' or '\r' or '\t')))
        {
            Add(field, "Control characters are not allowed.");
        }

        if (HiddenCharacters.AnyIn(value))
        {
            Add(field, "Invisible or direction-changing characters are not allowed.");
        }

        return this;
    }

    public const int MaxListItems = 20;
    public const int MaxTagLength = 40;

    /// <summary>A short list of short labels (languages, interests, topics), when there is one.</summary>
    public ValidationErrors Tags(string field, IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            return this;
        }

        if (values.Count > MaxListItems)
        {
            Add(field, $"At most {MaxListItems} items.");
        }

        foreach (var value in values)
        {
            Text(field, value, MaxTagLength);
        }

        return this;
    }

    /// <summary>A list of labels as kept: trimmed, without blanks or repeats (ignoring case).</summary>
    public static IReadOnlyList<string> Clean(IReadOnlyList<string>? values) =>
        values?.Select(v => v.Trim()).Where(v => v.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList() ?? [];

    /// <summary>An optional text as kept: trimmed, or null when blank.</summary>
    public static string? Optional(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();

    /// <summary>A number within bounds, when there is one.</summary>
    public ValidationErrors Range(string field, int? value, int min, int max) =>
        value is { } v && (v < min || v > max) ? Add(field, $"Between {min} and {max}.") : this;

    public IReadOnlyDictionary<string, string[]> ToDictionary() => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
}
