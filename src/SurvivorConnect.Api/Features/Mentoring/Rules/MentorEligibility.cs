namespace SurvivorConnect.Api.Features.Mentoring.Rules;

/// <summary>What a mentor must have before any match: a supervisor, readiness gates, no hold, room, and their consent.</summary>
public static class MentorEligibility
{
    public const string NoScreening = "background screening not passed";
    public const string NoTraining = "training not completed";
    public const string NoClearance = "no supervisor clearance";
    public const string NoSupervisor = "no supervisor assigned";
    public const string OnHold = "on a supervisor hold";
    public const string AtCapacity = "at capacity";
    public const string NoNewMatches = "taking no new matches for now";
    public const string NoConsent = "has not consented to mentoring";
    public const string NotActive = "not an active mentor of the agency";

    /// <summary>
    /// Every reason the mentor cannot take a new match now; empty when they can. <paramref name="supervisorActive"/>: the
    /// supervisor assigned is an active person who still supervises (one deactivated or demoted supervises nobody).
    /// </summary>
    public static IReadOnlyList<string> Blockers(MentorProfile mentor, int openMatches, bool consentsToMentoring, bool supervisorActive)
    {
        ArgumentNullException.ThrowIfNull(mentor);
        var blockers = new List<string>(2);
        if (mentor.Screening is null)
        {
            blockers.Add(NoScreening);
        }

        if (mentor.Training is null)
        {
            blockers.Add(NoTraining);
        }

        if (mentor.SupervisorClearance is null)
        {
            blockers.Add(NoClearance);
        }

        // The paper asks that survivors mentor with adequate supervision, and only an assigned supervisor sees their wellbeing flags.
        if (mentor.SupervisorId is null || !supervisorActive)
        {
            blockers.Add(NoSupervisor);
        }

        if (mentor.Hold is not null)
        {
            blockers.Add(OnHold);
        }

        if (openMatches >= mentor.Capacity)
        {
            blockers.Add(AtCapacity);
        }

        if (mentor.NoNewMatchesSince is not null)
        {
            blockers.Add(NoNewMatches);
        }

        if (!consentsToMentoring)
        {
            blockers.Add(NoConsent);
        }

        return blockers;
    }
}

/// <summary>Hard constraints between one youth and one mentor, from the youth's safety list and stated preferences.</summary>
public static class PairConstraints
{
    public const string DoNotMatch = "on the youth's do-not-match list";
    public const string NoSharedLanguage = "no shared language";
    public const string GenderPreference = "not the mentor gender the youth asked for";
    public const string NotAffirming = "youth asked for an LGBTQ-affirming mentor";
    public const string OutsideRadius = "outside the mentor's travel radius";
    public const string OwnCaseManager = "one of the youth's case managers, who oversee the match";
    public const string TheYouthThemselves = "the youth's own sign-in";
    public const string AlreadyMatched = "already in an open match with this youth";
    public const string MentorSaidNo = "stepped back from, or declined, their last match with this youth";

    /// <summary>
    /// What the youth's own matches say of each mentor in them: one still open with the youth, or a last match the mentor
    /// ended or declined (themselves, or by asking the case manager to close it). Either way, not one to offer again.
    /// </summary>
    public static IReadOnlyDictionary<string, string> FromHistory(IEnumerable<Match> youthsMatches)
    {
        ArgumentNullException.ThrowIfNull(youthsMatches);
        var said = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in youthsMatches.GroupBy(m => m.MentorId, StringComparer.Ordinal))
        {
            if (pair.Any(m => MatchLifecycle.IsOpen(m.State)))
            {
                said[pair.Key] = AlreadyMatched;
            }
            else if (pair.MaxBy(m => m.ProposedAt) is { } last && MentorEndedIt(last))
            {
                said[pair.Key] = MentorSaidNo;
            }
        }

        return said;
    }

    private static bool MentorEndedIt(Match match) =>
        match.History is [.., { Action: nameof(MatchAction.MentorDecline) or nameof(MatchAction.MentorEnd) }]
        || match.Closure?.Reason == ClosureReason.MentorChoice;

    public static IReadOnlyList<string> Violations(YouthReferral youth, MentorProfile mentor)
    {
        ArgumentNullException.ThrowIfNull(youth);
        ArgumentNullException.ThrowIfNull(mentor);
        var violations = new List<string>(1);
        if (youth.DoNotMatch.Contains(mentor.Id, StringComparer.Ordinal))
        {
            violations.Add(DoNotMatch);
        }

        if (youth.Languages.Count > 0 && !youth.Languages.Any(l => mentor.Languages.Contains(l, StringComparer.OrdinalIgnoreCase)))
        {
            violations.Add(NoSharedLanguage);
        }

        if (youth.Preferences.MentorGender is { } gender && !string.Equals(gender, mentor.Gender, StringComparison.OrdinalIgnoreCase))
        {
            violations.Add(GenderPreference);
        }

        if (youth.Preferences.LgbtqAffirming && !mentor.LgbtqAffirming)
        {
            violations.Add(NotAffirming);
        }

        if (Geo.Miles(youth.Location, mentor.Location) is { } miles && miles > mentor.TravelRadiusMiles)
        {
            violations.Add(OutsideRadius);
        }

        // The case manager coordinates the match and records a minor's guardian and agency consent: as its mentor too,
        // nobody but the youth would stand between them.
        if (youth.CaseManagerIds.Contains(mentor.Id, StringComparer.Ordinal))
        {
            violations.Add(OwnCaseManager);
        }

        // An older youth who mentors others is never proposed to themselves: they would take the match's mentor part, and
        // their case manager would agree for "the youth". A sign-in of theirs from before is theirs too.
        if (youth.PersonId == mentor.Id || youth.FormerPersonIds.Contains(mentor.Id, StringComparer.Ordinal))
        {
            violations.Add(TheYouthThemselves);
        }

        return violations;
    }
}

public static class Geo
{
    private const double EarthRadiusMiles = 3958.8;

    /// <summary>Great-circle distance, or null when either place is unknown.</summary>
    public static double? Miles(GeoPoint? a, GeoPoint? b)
    {
        if (a is null || b is null)
        {
            return null;
        }

        var dLat = Radians(b.Latitude - a.Latitude);
        var dLon = Radians(b.Longitude - a.Longitude);
        var h = Math.Pow(Math.Sin(dLat / 2), 2) + Math.Cos(Radians(a.Latitude)) * Math.Cos(Radians(b.Latitude)) * Math.Pow(Math.Sin(dLon / 2), 2);
        return 2 * EarthRadiusMiles * Math.Asin(Math.Min(1, Math.Sqrt(h)));
    }

    private static double Radians(double degrees) => degrees * Math.PI / 180;
}
