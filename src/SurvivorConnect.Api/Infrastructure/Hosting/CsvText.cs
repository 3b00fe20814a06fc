using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SurvivorConnect.Api.Infrastructure.Hosting;

/// <summary>CSV as spreadsheets read it: quoted where needed, and a cell a spreadsheet would run as a formula kept as text.</summary>
public static class CsvText
{
    public static void Row(StringBuilder csv, IReadOnlyList<string> cells)
    {
        ArgumentNullException.ThrowIfNull(csv);
        ArgumentNullException.ThrowIfNull(cells);
        csv.AppendJoin(',', cells.Select(Cell)).Append("\r\n");
    }

    public static string Cell(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var safe = value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _)
            ? "'" + value
            : value;
        return safe.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{safe.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : safe;
    }

    /// <summary>A download, with the byte-order mark spreadsheets need to read UTF-8.</summary>
    public static FileContentHttpResult File(string csv, string name) =>
        TypedResults.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(csv)).ToArray(), "text/csv; charset=utf-8", $"{name}.csv");
}
