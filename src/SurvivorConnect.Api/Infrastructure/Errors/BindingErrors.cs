using System.Text.Json;
using System.Text.RegularExpressions;

namespace SurvivorConnect.Api.Infrastructure.Errors;

/// <summary>
/// What a request that could not even be read got wrong, by field name. The framework's own messages name
/// C# parameters and types ("Failed to read parameter \"YouthRequest body\""), which mean nothing to a
/// caller and tell an attacker about the code.
/// </summary>
internal static partial class BindingErrors
{
    public static Dictionary<string, string[]> Describe(BadHttpRequestException exception)
    {
        if (exception.InnerException is NullElementException nulls)
        {
            var at = FieldOf(nulls.Path);
            return new() { [at == "body" ? nulls.Property : $"{at}.{nulls.Property}"] = ["A list may not hold a null."] };
        }

        if (exception.InnerException is JsonException json)
        {
            var field = FieldOf(json.Path);
            var problem = json.Message.Contains("duplicate", StringComparison.OrdinalIgnoreCase)
                ? "Given more than once (names are not case-sensitive)."
                : field == "body" ? "The body is not valid JSON of the expected shape." : "Missing, or not the right kind of value.";
            return new() { [field] = [problem] };
        }

        var parameter = ParameterName().Match(exception.Message) is { Success: true } match ? match.Groups["name"].Value : "body";
        return new() { [parameter] = [parameter == "body" ? "A JSON body is required." : "Not a valid value."] };
    }

    /// <summary>"$.location.latitude" → "location.latitude"; the root is the body itself.</summary>
    private static string FieldOf(string? path) =>
        path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    /// <summary>The parameter's name in messages such as: parameter "int? top" …</summary>
    [GeneratedRegex("parameter \"(?:[^\"]*\\s)?(?<name>[A-Za-z_][A-Za-z0-9_]*)\"")]
    private static partial Regex ParameterName();
}
