using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Components;
using SurvivorConnect.Api.Features.Agencies;
using SurvivorConnect.Api.Infrastructure.Auth;
using SurvivorConnect.Api.Infrastructure.Errors;
using SurvivorConnect.Storage;

namespace SurvivorConnect.Api.Portal.Shell;

/// <summary>
/// A portal page. It acts only through Mediator requests, so every rule of the API applies; a refusal becomes
/// plain words on the page (and field errors next to their fields), never a stack trace.
/// </summary>
public abstract class PortalPage : ComponentBase
{
    [Inject]
    protected IMediator Mediator { get; set; } = default!;

    /// <summary>The agency's clock: times are shown and taken as they read on the agency's wall.</summary>
    [Inject]
    protected AgencyCalendar AgencyTime { get; set; } = default!;

    [CascadingParameter]
    protected HttpContext? HttpContext { get; set; }

    /// <summary>What the last action did, in plain words.</summary>
    protected string? Done { get; set; }

    /// <summary>Why the last action could not be done, in plain words.</summary>
    protected string? Problem { get; set; }

    /// <summary>What a page says of a record the person may not see, exactly as of one that does not exist.</summary>
    protected const string NotAvailable = "That is not available to you. It may have been changed or removed.";

    /// <summary>What a list says when asked for a page it cannot continue (an old or altered page link).</summary>
    protected const string PageGone = "That page of the list is no longer there. Showing it again from the start may help.";

    protected IReadOnlyDictionary<string, string[]> FieldErrors { get; private set; } = new Dictionary<string, string[]>();

    /// <summary>The last action failed on our side (the store did not answer), not because of what was asked.</summary>
    protected bool FailedOnOurSide { get; private set; }

    protected ClaimsPrincipal User => HttpContext?.User ?? new ClaimsPrincipal();

    protected bool Has(string role) => User.HasClaim(ScClaims.Role, role);

    /// <summary>The signed-in person's id.</summary>
    protected string MyId => User.FindFirst(ScClaims.UserId)?.Value ?? "";

    /// <summary>
    /// The form named <paramref name="formName"/> was just posted and refused for its fields or for what it asked (a
    /// return before its start, say; a 409), or not saved because the store did not answer: it shows what was typed,
    /// not what is stored, so nothing typed is lost. Every other form on the page, and one whose record changed since
    /// the page was made (412), shows what is stored.
    /// </summary>
    protected bool Retyped(string formName) =>
        (FieldErrors.Count > 0 || FailedOnOurSide || RefusedAsAsked) && Posted(formName);

    /// <summary>The last action was refused for what it asked, not for a change made meanwhile (409).</summary>
    protected bool RefusedAsAsked { get; private set; }

    /// <summary>What was typed into <paramref name="field"/> of a form shown again (see <see cref="Retyped"/>); otherwise <paramref name="stored"/>.</summary>
    protected string? Typed(string formName, string field, string? stored = null) =>
        Retyped(formName) ? HttpContext!.Request.Form[field].ToString() : stored;

    /// <summary>
    /// What was written for something new (a note, the day it was held) in the form named <paramref name="formName"/>, kept
    /// whatever refused it, a change made meanwhile (412) too: they are the writer's own, not a stored value that another
    /// change may have made stale, so they go back into the box for the writer to send again on the page as it is now.
    /// </summary>
    protected string? Kept(string formName, string field) =>
        Problem is not null && Posted(formName) ? HttpContext!.Request.Form[field].ToString() : null;

    /// <summary>Whether <paramref name="value"/> of <paramref name="field"/> was picked in a form of something new shown again (as <see cref="Kept"/>).</summary>
    protected bool KeptPick(string formName, string field, string value) =>
        Problem is not null && Posted(formName) && HttpContext!.Request.Form[field].Contains(value);

    private bool Posted(string formName) => HttpContext?.Request.HasFormContentType == true && HttpContext.Request.Form["_handler"] == formName;

    /// <summary>Whether a box, choice or option <paramref name="value"/> of <paramref name="field"/> was picked in a form shown again; otherwise <paramref name="stored"/>.</summary>
    protected bool Picked(string formName, string field, string value, bool stored = false) =>
        Retyped(formName) ? HttpContext!.Request.Form[field].Contains(value) : stored;

    /// <summary>
    /// The id a form was made with (a hidden field holding a new id), so a second tap of it makes nothing new; a new id
    /// when the field is missing or not one of ours.
    /// </summary>
    protected string IssuedId(string field) =>
        HttpContext?.Request.HasFormContentType == true && HttpContext.Request.Form[field].ToString() is { Length: 32 } id && id.All(char.IsAsciiHexDigitLower)
            ? id
            : Infrastructure.Tenancy.AgencyStore.NewId();

    /// <summary>The last action was refused because the record changed after this page was made (412, or 428 for one made since).</summary>
    protected bool Overtaken { get; private set; }

    /// <summary>The last action was saved but could not be recorded in the audit log (its page is reloaded as <see cref="Overtaken"/>).</summary>
    protected bool SavedUnrecorded { get; private set; }

    protected string? ErrorFor(string field) =>
        FieldErrors.FirstOrDefault(e => string.Equals(e.Key, field, StringComparison.OrdinalIgnoreCase)).Value is { Length: > 0 } messages ? string.Join(" ", messages) : null;

    /// <summary>
    /// Whether an action asked about (<see cref="ConfirmStep"/>) goes ahead: only once its question is answered yes. On a
    /// no it says <paramref name="leftAsItWas"/>; before any answer it has <paramref name="ask"/> put the question.
    /// </summary>
    protected bool GoesOn(Action ask, string leftAsItWas)
    {
        ArgumentNullException.ThrowIfNull(ask);
        switch (ConfirmStep.Answer(HttpContext!.Request.Form))
        {
            case true:
                return true;
            case false:
                Done = leftAsItWas;
                return false;
            default:
                ask();
                return false;
        }
    }

    /// <summary>A refusal of <paramref name="field"/>, shown only beside the form named <paramref name="formName"/> that was sent: two forms asking for the same field do not both show it.</summary>
    protected string? ErrorIn(string formName, string field) => Retyped(formName) ? ErrorFor(field) : null;

    /// <summary>Runs one action; on success says <paramref name="done"/> (if anything), on a refusal says why.</summary>
    protected async Task<bool> TryAsync(Func<Task> action, string? done)
    {
        ArgumentNullException.ThrowIfNull(action);
        Done = null;
        Problem = null;
        FailedOnOurSide = false;
        Overtaken = false;
        SavedUnrecorded = false;
        RefusedAsAsked = false;
        FieldErrors = new Dictionary<string, string[]>();
        try
        {
            await action();
            Done = done;
            return true;
        }
        catch (RequestValidationException ex)
        {
            FieldErrors = ex.Errors;
            Problem = "Please check the highlighted fields.";
        }
        catch (NotFoundException)
        {
            Problem = NotAvailable;
        }
        catch (Exception ex) when (ex is ConflictException or ForbiddenException)
        {
            RefusedAsAsked = ex is ConflictException;
            Problem = ex.Message;
        }
        catch (PreconditionRequiredException)
        {
            Overtaken = true;
            Problem = "This page is out of date. Reload it, then try again.";
        }
        catch (StoreException ex) when (ex.Kind is StoreErrorKind.PreconditionFailed or StoreErrorKind.Conflict or StoreErrorKind.BatchFailed)
        {
            Overtaken = true;
            Problem = "Someone else changed this. Reload the page to see the latest, then try again.";
        }
        catch (UnrecordedChangeException)
        {
            Overtaken = true;
            SavedUnrecorded = true;
            Problem = "Your change was saved, but we could not record it just now. Reload the page to see it; there is no need to make it again.";
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.Unavailable)
        {
            FailedOnOurSide = true;
            Problem = "We could not save this just now, so it may not have been done. Reload in a moment to see, and try again if it was not.";
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.InvalidQuery)
        {
            Problem = PageGone;
        }
        catch (FollowUpsPendingException ex)
        {
            FailedOnOurSide = true;
            Problem = ex.Message;
        }
        catch (BusyException ex)
        {
            FailedOnOurSide = true;
            Problem = ex.Message;
        }
        catch (TooOftenException ex)
        {
            Problem = ex.Message;
        }

        return false;
    }

    /// <summary>Loads what a page shows; a record the person may not see reads as not there.</summary>
    protected async Task<T?> LoadAsync<T>(Func<Task<T>> load)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(load);
        try
        {
            return await load();
        }
        catch (Exception ex) when (ex is NotFoundException or ForbiddenException or RequestValidationException or ConflictException)
        {
            // Not for this reader now (gone, not theirs, or no longer theirs to manage): shown as not there.
            return null;
        }
        catch (StoreException ex) when (ex.Kind == StoreErrorKind.InvalidQuery)
        {
            Problem = PageGone;
            return null;
        }
    }

    /// <summary>A comma-separated field as the list it stands for.</summary>
    protected static string[] Split(string? list) => (list ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// An optional text field: empty means not given. A browser sends each line break as two characters but counts it
    /// as one against the field's length: it is kept as one, so text the field let be typed is not refused as too long.
    /// </summary>
    protected static string? Blank(string? text) => Infrastructure.Pipeline.ValidationErrors.Optional(text?.Replace("\r\n", "\n", StringComparison.Ordinal));

    protected static string Joined(IEnumerable<string>? items) => items is null ? "" : string.Join(", ", items);

    /// <summary>An instant as the agency's clock shows it, labelled with the clock.</summary>
    protected string When(DateTimeOffset at) =>
        $"{AgencyTime.Local(at).ToString("d MMM yyyy, HH:mm", System.Globalization.CultureInfo.InvariantCulture)} {AgencyTime.ZoneLabel}";

    /// <summary>An instant in UTC, as the audit log keeps and is searched by.</summary>
    protected static string WhenUtc(DateTimeOffset at) => at.ToString("d MMM yyyy, HH:mm 'UTC'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// The agency's zone is known before the page is first made, so everything on it reads the one clock. The
    /// parameters are taken first: they cannot be read once anything has been awaited.
    /// </summary>
    public override async Task SetParametersAsync(ParameterView parameters)
    {
        parameters.SetParameterProperties(this);
        await AgencyTime.LoadAsync(HttpContext?.RequestAborted ?? CancellationToken.None);
        await base.SetParametersAsync(ParameterView.Empty);
    }
}
