using SurvivorConnect.Api.Features.Engagements;
using SurvivorConnect.Api.Features.Engagements.Rules;

namespace SurvivorConnect.UnitTests.Engagements;

public sealed class EngagementRulesTests
{
    private static EngagementSession Session(int day, int startHour, int hours, string zone = "America/Los_Angeles") =>
        new("s" + day, new DateTime(2026, 3, day, startHour, 0, 0), new DateTime(2026, 3, day, startHour + hours, 0, 0), zone, false, null, "https://meet.example/x");

    private static Opportunity Opportunity(params string[] topics) => new()
    {
        Id = "o1",
        Kind = "focus-group",
        Title = "Housing focus group",
        Topics = topics,
        Sessions = [Session(3, 18, 2)],
        Seats = 10,
        ApplicationDeadline = DateTimeOffset.UnixEpoch,
        Compensation = new Compensation(PayBasis.PerSession, 150, 60, false, false),
        Currency = "USD",
        RecruiterId = "r",
        CreatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void The_terms_a_yes_names_change_with_the_pay_times_and_way_of_meeting_and_not_with_who_answered_or_what_is_not_shown()
    {
        var work = Opportunity("housing");
        var terms = OfferedTerms.Of(work);

        Assert.Equal(terms, OfferedTerms.Of(work with { Confirmed = 3, NextWaitlistNumber = 2, ETag = "other" }));
        Assert.Equal(terms, OfferedTerms.Of(work with { Sessions = [work.Sessions[0] with { Link = "https://meet.example/new" }] }));
        Assert.True(OfferedTerms.StillAre(work, $"\"{terms}\""));
        Assert.Equal(terms, OfferedTerms.Of(work with { Compensation = work.Compensation with { Rate = 150.00m } }));
        Assert.NotEqual(terms, OfferedTerms.Of(work with { Compensation = work.Compensation with { Rate = 175 } }));
        Assert.NotEqual(terms, OfferedTerms.Of(work with { Compensation = work.Compensation with { TravelAllowed = true } }));
        Assert.NotEqual(terms, OfferedTerms.Of(work with { Sessions = [Session(3, 19, 2)] }));
        Assert.NotEqual(terms, OfferedTerms.Of(work with { Sessions = [work.Sessions[0] with { InPerson = true, Area = "Fresno" }] }));
        Assert.NotEqual(terms, OfferedTerms.Of(work with { Sessions = [work.Sessions[0] with { CancelledAt = DateTimeOffset.UnixEpoch }] }));
        Assert.NotEqual(terms, OfferedTerms.Of(work with { Sessions = [work.Sessions[0], Session(4, 18, 2)] }));
    }

    [Fact]
    public void A_place_waits_for_a_yes_again_only_for_a_session_moved_or_added_not_for_one_cancelled_or_pay_raised()
    {
        var work = Opportunity("housing") with { Sessions = [Session(3, 18, 2), Session(4, 18, 2)] };
        var waiting = new Participation { Id = "p", OpportunityId = "o1", PersonId = "a", State = ParticipationState.Waitlisted, CreatedAt = DateTimeOffset.UnixEpoch, AgreedSessions = OfferedTerms.SessionsOf(work) };

        Assert.False(waiting.AgreedToOtherTermsThan(work with { Compensation = work.Compensation with { Rate = 200 } }));
        Assert.False(waiting.AgreedToOtherTermsThan(work with { Sessions = [work.Sessions[0], work.Sessions[1] with { CancelledAt = DateTimeOffset.UnixEpoch }] }));
        Assert.True(waiting.AgreedToOtherTermsThan(work with { Sessions = [work.Sessions[0], Session(4, 19, 2)] }));
        Assert.True(waiting.AgreedToOtherTermsThan(work with { Sessions = [.. work.Sessions, Session(5, 18, 2)] }));
        Assert.False((waiting with { AgreedSessions = null }).AgreedToOtherTermsThan(work with { Sessions = [Session(9, 9, 2)] }));
    }

    /// <summary>Before any session of the work here.</summary>
    private static readonly DateTimeOffset Before = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static EngagementProfile Profile() => new()
    {
        Id = "p",
        PersonId = "p",
        Kinds = ["focus-group"],
        Topics = ["housing"],
        NoTopics = ["family court"],
        Availability = [DayPart.WeekdayEvening],
        TimeZone = "America/Los_Angeles",
        UpdatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void A_flat_stipend_pays_by_the_hour_of_session_and_paid_preparation_together()
    {
        // Two sessions of 2 h with 1 h preparation each: 300 for 6 hours.
        var pay = new Compensation(PayBasis.PerSession, 150, 60, false, false);

        Assert.Equal(50m, PayParity.EffectiveHourlyRate(pay, [Session(3, 18, 2), Session(4, 18, 2)]));
        Assert.Equal(15m, PayParity.Shortfall(pay, [Session(3, 18, 2), Session(4, 18, 2)], 65m));
        Assert.Equal(0m, PayParity.Shortfall(pay, [Session(3, 18, 2), Session(4, 18, 2)], 50m));
    }

    [Fact]
    public void A_stipend_a_fraction_of_a_cent_an_hour_below_the_benchmark_is_below_it()
    {
        // 149.99 for 2 h and 1 h preparation is 49.9967 an hour: shown as 50.00, but short of 50.00 all the same.
        var pay = new Compensation(PayBasis.PerSession, 149.99m, 60, false, false);

        Assert.Equal(50m, PayParity.EffectiveHourlyRate(pay, [Session(3, 18, 2)]));
        Assert.Equal(0.01m, PayParity.Shortfall(pay, [Session(3, 18, 2)], 50m));
        Assert.Equal(0m, PayParity.Shortfall(pay with { Rate = 150m }, [Session(3, 18, 2)], 50m));
    }

    [Fact]
    public void A_flat_stipend_must_reach_the_benchmark_in_its_longest_session_not_only_on_average()
    {
        // 19 one-hour sessions and one of 12 hours at 60 a session average 60 x 20 / 31 = 38.71 an hour; the long one pays 5.
        var pay = new Compensation(PayBasis.PerSession, 60, 0, false, false);
        List<EngagementSession> sessions = [.. Enumerable.Range(1, 19).Select(d => Session(d, 9, 1)), Session(20, 6, 12)];

        Assert.Equal(5m, PayParity.EffectiveHourlyRate(pay, sessions));
        Assert.Equal(45m, PayParity.Shortfall(pay, sessions, 50m));
    }

    [Fact]
    public void Work_is_refused_when_its_kind_is_gone_has_no_benchmark_or_pays_below_it()
    {
        // 150 for a 2-hour session and an hour's preparation: 50 an hour.
        var work = Opportunity("housing");
        EngagementSettings With(decimal? benchmark, string key = "focus-group") =>
            new() { Id = EngagementSettings.DocumentId, Kinds = [new WorkKind(key, "Focus group", benchmark)] };

        Assert.Null(PayParity.Refusal(With(50m), work));
        Assert.Contains("1.00 below the 51.00", PayParity.Refusal(With(51m), work), StringComparison.Ordinal);
        Assert.Contains("no benchmark", PayParity.Refusal(With(null), work), StringComparison.Ordinal);
        Assert.Contains("no longer one of your agency's", PayParity.Refusal(With(50m, "advisory"), work), StringComparison.Ordinal);
    }

    [Fact]
    public void A_claim_owes_nothing_without_pay_or_travel_even_one_whose_travel_was_saved_empty()
    {
        Assert.True(ClaimRules.OwesNothing(0m, null));
        Assert.True(ClaimRules.OwesNothing(0m, new TravelClaim(0m, [], 0)));
        Assert.False(ClaimRules.OwesNothing(0m, new TravelClaim(0m, [], 0) { Lodging = 80m }));
        Assert.False(ClaimRules.OwesNothing(0m, new TravelClaim(0m, [new ReceiptedCost("Bus", 2.5m)], 0)));
        Assert.False(ClaimRules.OwesNothing(12m, null));
    }

    [Fact]
    public void Work_in_person_is_refused_unless_it_pays_travel_and_per_diem_on_top()
    {
        var settings = new EngagementSettings { Id = EngagementSettings.DocumentId, Kinds = [new WorkKind("focus-group", "Focus group", 50m)] };
        var inPerson = Opportunity("housing") with { Sessions = [Session(3, 18, 2) with { InPerson = true, Location = "Harbor Light", Link = null }] };
        var paid = inPerson.Compensation with { TravelAllowed = true, PerDiemAllowed = true };

        Assert.Contains("travel and a per diem", PayParity.Refusal(settings, inPerson), StringComparison.Ordinal);
        Assert.Contains("travel and a per diem", PayParity.Refusal(settings, inPerson with { Compensation = paid with { PerDiemAllowed = false } }), StringComparison.Ordinal);
        Assert.Contains("travel and a per diem", PayParity.Refusal(settings, inPerson with { Compensation = paid with { TravelAllowed = false } }), StringComparison.Ordinal);
        Assert.Null(PayParity.Refusal(settings, inPerson with { Compensation = paid }));
        Assert.Null(PayParity.Refusal(settings, Opportunity("housing")));
        Assert.Null(PayParity.Refusal(settings, inPerson with { Sessions = [inPerson.Sessions[0] with { CancelledAt = DateTimeOffset.UnixEpoch }, Session(4, 18, 2)] }));
    }

    [Theory]
    [InlineData(true, 24, false, 48, true, 24)]
    [InlineData(true, 24, true, 48, true, 48)]
    [InlineData(true, 48, true, 24, true, 48)]
    [InlineData(false, 24, true, 12, true, 12)]
    [InlineData(false, 24, false, 12, false, 12)]
    public void Late_cancellation_terms_stay_as_published_unless_the_agencys_are_more_generous_now(
        bool publishedPays, int publishedHours, bool nowPays, int nowHours, bool pays, int hours)
    {
        var settings = new EngagementSettings { Id = EngagementSettings.DocumentId, LateCancellationPays = nowPays, LateCancellationHours = nowHours };

        Assert.Equal(new LateCancellationTerms(pays, hours), LateCancellationTerms.Applying(new LateCancellationTerms(publishedPays, publishedHours), settings));
        Assert.Equal(new LateCancellationTerms(nowPays, nowHours), LateCancellationTerms.Applying(null, settings));
    }

    [Fact]
    public void A_cancelled_session_does_not_count_towards_a_flat_stipends_rate()
    {
        var pay = new Compensation(PayBasis.PerSession, 120, 0, false, false);
        var cancelledLong = Session(3, 9, 6) with { CancelledAt = DateTimeOffset.UnixEpoch };

        Assert.Equal(60m, PayParity.EffectiveHourlyRate(pay, [Session(2, 9, 2), cancelledLong]));
    }

    [Fact]
    public void An_hourly_rate_is_its_own_effective_rate()
    {
        Assert.Equal(42.5m, PayParity.EffectiveHourlyRate(new Compensation(PayBasis.Hourly, 42.5m, 30, true, true), [Session(3, 9, 3)]));
    }

    [Fact]
    public void A_session_across_the_spring_daylight_saving_change_lasts_its_real_hours()
    {
        // 8 March 2026, Los Angeles: the clocks go from 02:00 to 03:00, so 01:00 to 04:00 is two hours.
        var session = new EngagementSession("s", new DateTime(2026, 3, 8, 1, 0, 0), new DateTime(2026, 3, 8, 4, 0, 0), "America/Los_Angeles", true, "Hall", null);

        Assert.Equal(2, session.Hours);
        Assert.False(EngagementTime.Exists(new DateTime(2026, 3, 8, 2, 30, 0), TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles")));
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 9, 0, 0, TimeSpan.Zero), session.StartUtc);
    }

    [Fact]
    public void A_session_is_free_time_in_the_survivors_own_zone_not_the_sessions()
    {
        // 18:00 in Los Angeles on a Tuesday is 21:00 in New York: still a weekday evening there.
        var eastern = Profile() with { TimeZone = "America/New_York" };
        var morningOnly = Profile() with { TimeZone = "Europe/London", Availability = [DayPart.WeekdayEvening] };

        Assert.True(EngagementFit.Assess(eastern, Opportunity("housing"), Before).Fits);

        // 18:00 in Los Angeles is 02:00 the next day in London: a weekday morning, not an evening.
        Assert.Equal(Fit.NotAvailable, EngagementFit.Assess(morningOnly, Opportunity("housing"), Before).Excluded);
    }

    [Fact]
    public void A_cancelled_or_past_session_at_a_time_they_are_free_does_not_make_the_work_fit_them()
    {
        // 3 March 2026 is a Tuesday (an evening in Los Angeles), 7 March a Saturday morning.
        var work = Opportunity("housing") with { Sessions = [Session(3, 18, 2) with { CancelledAt = DateTimeOffset.UnixEpoch }, Session(7, 9, 2)] };

        Assert.Equal(Fit.NotAvailable, EngagementFit.Assess(Profile(), work, Before).Excluded);
        Assert.True(EngagementFit.Assess(Profile() with { Availability = [DayPart.WeekendMorning] }, work, Before).Fits);

        // Nor one held already, once the rest are at times they cannot do.
        var held = Opportunity("housing") with { Sessions = [Session(3, 18, 2), Session(7, 9, 2)] };
        Assert.True(EngagementFit.Assess(Profile(), held, Before).Fits);
        Assert.Equal(Fit.NotAvailable, EngagementFit.Assess(Profile(), held, new DateTimeOffset(2026, 3, 5, 0, 0, 0, TimeSpan.Zero)).Excluded);
    }

    [Fact]
    public void Someone_waiting_is_free_for_work_only_while_a_session_of_it_is_still_to_come_whatever_times_they_gave()
    {
        var work = Opportunity("housing");
        var anyTime = Profile() with { Availability = [] };
        var before = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var over = new DateTimeOffset(2026, 3, 10, 0, 0, 0, TimeSpan.Zero);

        Assert.True(EngagementFit.FreeForSomeSessionToCome(anyTime, work, before));
        Assert.True(EngagementFit.FreeForSomeSessionToCome(Profile(), work, before));
        Assert.False(EngagementFit.FreeForSomeSessionToCome(Profile() with { Availability = [DayPart.WeekendMorning] }, work, before));
        Assert.False(EngagementFit.FreeForSomeSessionToCome(anyTime, work, over));
        Assert.False(EngagementFit.FreeForSomeSessionToCome(Profile(), work, over));
    }

    [Fact]
    public void An_opportunity_touching_a_topic_they_will_not_speak_about_never_fits_whatever_else_matches()
    {
        var fit = EngagementFit.Assess(Profile(), Opportunity("housing", "Family court experiences"), Before);

        Assert.False(fit.Fits);
        Assert.Equal(Fit.WillNotSpeakAbout, fit.Excluded);
    }

    [Fact]
    public void A_fit_gives_its_reasons()
    {
        var fit = EngagementFit.Assess(Profile(), Opportunity("unstable housing"), Before);

        Assert.True(fit.Fits);
        Assert.Contains("speaks about unstable housing", fit.Reasons);
        Assert.Contains(fit.Reasons, r => r.Contains("weekday evenings", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("housing", "unstable housing", true)]
    [InlineData("Family Court", "family court hearings", true)]
    [InlineData("court", "courtship", false)]
    [InlineData("", "anything", false)]
    [InlineData("Housing after leaving care", "family", false)]
    [InlineData("family", "Housing after leaving care", false)]
    [InlineData("trafficking", "sex\u00A0trafficking", true)]
    [InlineData("trafficking", "(sex\u2013trafficking);", true)]
    [InlineData("trafficking:", "Trafficking", true)]
    [InlineData("traf\u200Bficking", "sex trafficking", true)]
    [InlineData("ｔｒａｆｆｉｃｋｉｎｇ", "trafficking", true)]
    [InlineData("pimps", "pimp", false)]
    [InlineData("survivor\u2019s stories", "survivor's stories", true)]
    public void Topics_match_whole_words_either_way_ignoring_case(string a, string b, bool touches)
    {
        Assert.Equal(touches, EngagementFit.Touches(a, b));
    }

    [Fact]
    public void Work_whose_description_names_a_topic_they_will_not_speak_about_is_not_theirs_though_its_title_and_topics_do_not()
    {
        var work = Opportunity() with { Title = "Listening session", Topics = [], Description = "We will talk through what happened in family court." };

        Assert.Equal(Fit.WillNotSpeakAbout, EngagementFit.Assess(Profile(), work, Before).Excluded);
    }

    [Fact]
    public void Work_whose_title_names_a_topic_they_will_not_speak_about_is_not_theirs_though_its_topics_do_not()
    {
        var work = Opportunity() with { Title = "Family-court experiences", Topics = [] };

        Assert.Equal(Fit.WillNotSpeakAbout, EngagementFit.Assess(Profile(), work, Before).Excluded);
    }

    [Theory]
    [InlineData(OpportunityState.Draft, OpportunityMove.Publish, OpportunityState.Published)]
    [InlineData(OpportunityState.Published, OpportunityMove.Close, OpportunityState.Closed)]
    [InlineData(OpportunityState.Closed, OpportunityMove.Complete, OpportunityState.Completed)]
    [InlineData(OpportunityState.Published, OpportunityMove.Cancel, OpportunityState.Cancelled)]
    [InlineData(OpportunityState.Completed, OpportunityMove.Cancel, null)]
    [InlineData(OpportunityState.Cancelled, OpportunityMove.Publish, null)]
    [InlineData(OpportunityState.Draft, OpportunityMove.Complete, null)]
    public void Opportunities_move_draft_published_closed_completed_or_cancelled(OpportunityState from, OpportunityMove move, OpportunityState? to)
    {
        Assert.Equal(to, OpportunityLifecycle.Next(from, move));
    }
}

public sealed class ClaimRulesTests
{
    private static readonly EngagementSession TwoHours = new("s1", new DateTime(2026, 12, 15, 18, 0, 0), new DateTime(2026, 12, 15, 20, 0, 0), "America/Los_Angeles", true, "Hall", null);

    private static EngagementSession At(int startHour) =>
        new("s" + startHour, new DateTime(2026, 12, 15, startHour, 0, 0), new DateTime(2026, 12, 15, startHour + 2, 0, 0), "America/Los_Angeles", false, null, "https://meet.example/x");

    private static EngagementSession On(string id, int day) =>
        new(id, new DateTime(2026, 12, day, 9, 0, 0), new DateTime(2026, 12, day, 16, 0, 0), "America/Los_Angeles", true, "Retreat centre", null);

    [Fact]
    public void A_one_day_session_pays_at_most_three_days_away()
    {
        Assert.Null(ClaimRules.WhyNotDaysAway(TwoHours, 3, []));
        Assert.Contains("at most 3 days away", ClaimRules.WhyNotDaysAway(TwoHours, 4, []), StringComparison.Ordinal);
    }

    [Fact]
    public void A_retreat_on_following_days_is_one_trip_whose_days_away_are_claimed_once()
    {
        var (first, second, third) = (On("a", 14), On("b", 15), On("c", 16));

        Assert.Null(ClaimRules.WhyNotDaysAway(first, 5, [(second, false, 0), (third, false, 0)]));
        Assert.Contains("at most 5 days away", ClaimRules.WhyNotDaysAway(first, 6, [(second, false, 0), (third, false, 0)]), StringComparison.Ordinal);
        Assert.Contains("claimed with the session of 14 Dec 2026", ClaimRules.WhyNotDaysAway(third, 1, [(first, true, 3), (second, false, 0)]), StringComparison.Ordinal);
    }

    [Fact]
    public void The_day_between_two_trips_is_paid_as_days_away_with_one_of_them_only()
    {
        var (before, after) = (On("a", 14), On("b", 16));

        // Days 13 to 15 are claimed with the 14th; the 16th's trip may add the 16th and 17th, not the 15th again.
        Assert.Null(ClaimRules.WhyNotDaysAway(after, 2, [(before, true, 3)]));
        Assert.Contains("at most 2 days away", ClaimRules.WhyNotDaysAway(after, 3, [(before, true, 3)]), StringComparison.Ordinal);
        Assert.Null(ClaimRules.WhyNotDaysAway(after, 3, [(before, false, 0)]));

        // Two days apart, each trip has its own travel days.
        Assert.Null(ClaimRules.WhyNotDaysAway(On("c", 18), 3, [(before, true, 3)]));

        // A trip that took one travel day, or only lodging, may not have taken the 15th: the payee has the benefit of the doubt.
        Assert.Null(ClaimRules.WhyNotDaysAway(after, 3, [(before, true, 2)]));
        Assert.Null(ClaimRules.WhyNotDaysAway(after, 3, [(before, true, 0)]));

        // Between two trips claimed already, only the session's own day is left.
        Assert.Contains("at most 1 day away", ClaimRules.WhyNotDaysAway(after, 2, [(before, true, 3), (On("d", 18), true, 3)]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_trips_receipt_and_its_drive_when_someone_stayed_away_are_paid_back_once()
    {
        var (first, second) = (On("a", 14), On("b", 15));
        var stayed = new TravelClaim(40, [new ReceiptedCost("Train ticket", 23.50m)], 3);

        var sameTicket = ClaimRules.WhyNotTravelAgain(second, new TravelClaim(0, [new ReceiptedCost(" train TICKET ", 23.50m)], 0), [(first, stayed)]);
        var driveAgain = ClaimRules.WhyNotTravelAgain(second, new TravelClaim(40, [], 0), [(first, stayed)]);

        Assert.Contains("\"train TICKET\" is on your claim for the session of 14 Dec 2026", sameTicket, StringComparison.Ordinal);
        Assert.Contains("miles for this trip are on your claim for the session of 14 Dec 2026", driveAgain, StringComparison.Ordinal);
        Assert.Null(ClaimRules.WhyNotTravelAgain(second, new TravelClaim(0, [new ReceiptedCost("Lunch", 12m)], 0), [(first, stayed)]));

        // Home each night: each day's drive and parking are its own.
        var commute = new TravelClaim(40, [new ReceiptedCost("Parking", 8m)], 0);
        Assert.Null(ClaimRules.WhyNotTravelAgain(first, commute, [(second, commute)]));

        // A stay with lodging only (no per diem) is a stay all the same.
        var lodgingOnly = new TravelClaim(40, [], 0) { Lodging = 90m };
        Assert.Contains("one drive there and back", ClaimRules.WhyNotTravelAgain(second, new TravelClaim(40, [], 0), [(first, lodgingOnly)]), StringComparison.Ordinal);
    }

    [Fact]
    public void A_morning_and_an_afternoon_session_on_one_day_are_one_journey_paid_back_once()
    {
        var (morning, afternoon) = (On("a", 14), On("b", 14) with { Start = On("b", 14).Start.AddHours(5), End = On("b", 14).End.AddHours(5) });
        var commute = new TravelClaim(40, [new ReceiptedCost("Parking", 8m)], 0);

        Assert.Contains("miles for this day are on your claim for the session of 14 Dec 2026", ClaimRules.WhyNotTravelAgain(afternoon, new TravelClaim(40, [], 0), [(morning, commute)]), StringComparison.Ordinal);
        Assert.Contains("\"parking\" is on your claim", ClaimRules.WhyNotTravelAgain(afternoon, new TravelClaim(0, [new ReceiptedCost("parking", 8m)], 0), [(morning, commute)]), StringComparison.Ordinal);
        Assert.Null(ClaimRules.WhyNotTravelAgain(afternoon, new TravelClaim(0, [new ReceiptedCost("Bus fare", 3m)], 0), [(morning, commute)]));
    }

    [Fact]
    public void A_session_not_recorded_yet_joins_a_trip_whose_days_away_are_claimed_but_does_not_lengthen_it()
    {
        var (first, second, third) = (On("a", 14), On("b", 15), On("c", 16));

        Assert.Null(ClaimRules.WhyNotDaysAway(third, 1, [(first, true, 3)]));
        Assert.Contains("claimed with the session of 14 Dec 2026", ClaimRules.WhyNotDaysAway(third, 1, [(first, true, 3)], [second]), StringComparison.Ordinal);
        Assert.Contains("at most 3 days away", ClaimRules.WhyNotDaysAway(first, 5, [], [second, third]), StringComparison.Ordinal);
    }

    [Fact]
    public void Days_driven_to_one_by_one_become_one_stay_only_once_all_but_one_drive_and_receipt_are_taken_off()
    {
        var (first, second, third) = (On("a", 14), On("b", 15), On("c", 16));
        var commute = new TravelClaim(200, [new ReceiptedCost("Parking", 8m)], 0);
        var stay = new TravelClaim(0, [], 3) { Lodging = 90m };

        Assert.Contains("Take them off all but one", ClaimRules.WhyNotTravelAgain(third, stay, [(first, commute), (second, commute)]), StringComparison.Ordinal);
        Assert.Contains("\"Parking\" is on your claims for more than one", ClaimRules.WhyNotTravelAgain(third, stay, [(first, commute), (second, commute with { Miles = 0 })]), StringComparison.Ordinal);
        Assert.Null(ClaimRules.WhyNotTravelAgain(third, stay, [(first, commute), (second, new TravelClaim(0, [new ReceiptedCost("Bus fare", 3m)], 0))]));
    }

    [Fact]
    public void Sessions_a_week_apart_are_trips_of_their_own()
    {
        Assert.Null(ClaimRules.WhyNotDaysAway(On("b", 22), 2, [(On("a", 15), true, 3)]));
    }

    [Theory]
    [InlineData(AttendanceOutcome.Attended, null, false, 2.5, 112.5)]
    [InlineData(AttendanceOutcome.Partial, 60, false, 1.5, 67.5)]
    [InlineData(AttendanceOutcome.NoShow, null, false, 0, 0)]
    [InlineData(AttendanceOutcome.CancelledByAgency, null, true, 2.5, 112.5)]
    [InlineData(AttendanceOutcome.CancelledByAgency, null, false, 0, 0)]
    public void Hourly_pay_counts_the_time_attended_and_the_preparation(AttendanceOutcome outcome, int? minutes, bool late, double hours, double amount)
    {
        var owed = ClaimRules.Owed(new Compensation(PayBasis.Hourly, 45m, 30, true, true), TwoHours, outcome, minutes, late, lateCancellationPays: true);

        Assert.Equal(((decimal)hours, (decimal)amount), owed);
    }

    [Fact]
    public void A_flat_stipend_is_paid_whole_for_attending_and_for_part_pays_the_time_attended_and_the_whole_preparation()
    {
        var pay = new Compensation(PayBasis.PerSession, 150m, 30, false, false);

        Assert.Equal(150m, ClaimRules.Owed(pay, TwoHours, AttendanceOutcome.Attended, null, false, true).Amount);
        // An hour of the two and all 30 minutes of preparation: 1.5 of the stipend's 2.5 hours, at the stipend's 60 an hour.
        Assert.Equal((1.5m, 90m), ClaimRules.Owed(pay, TwoHours, AttendanceOutcome.Partial, 60, false, true));
        Assert.Equal(0m, ClaimRules.StipendShare(0m, 2m, 30));
    }

    [Fact]
    public void A_late_cancellation_pays_only_where_the_agency_says_so()
    {
        var pay = new Compensation(PayBasis.PerSession, 150m, 0, false, false);

        Assert.Equal(0m, ClaimRules.Owed(pay, TwoHours, AttendanceOutcome.CancelledByAgency, null, lateCancellation: true, lateCancellationPays: false).Amount);
        Assert.True(ClaimRules.IsLate(TwoHours.StartUtc.AddHours(-23), TwoHours.StartUtc, 24));
        Assert.False(ClaimRules.IsLate(TwoHours.StartUtc.AddHours(-25), TwoHours.StartUtc, 24));
    }

    [Theory]
    [InlineData("America/Argentina")]
    [InlineData("Etc/GMT+5")]
    [InlineData("posix/America/New_York")]
    [InlineData("Pacific Standard Time")]
    public void A_session_or_survivor_zone_is_one_the_agency_clock_would_take(string zone)
    {
        Assert.False(EngagementTime.TryZone(zone, out _));
    }

    [Fact]
    public void A_zone_stored_before_zones_were_checked_as_the_agency_clock_checks_them_is_read_as_it_was()
    {
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 17, 0, 0, TimeSpan.Zero), EngagementTime.ToUtc(new DateTime(2026, 12, 1, 12, 0, 0), "Etc/GMT+5"));
        Assert.Equal(new DateTime(2026, 12, 1, 12, 0, 0), EngagementTime.InZone(new DateTimeOffset(2026, 12, 1, 17, 0, 0, TimeSpan.Zero), "Etc/GMT+5"));
    }

    [Fact]
    public void A_zone_typed_in_another_case_is_read_and_kept_by_its_own_spelling_on_any_instance()
    {
        Assert.Equal("America/Los_Angeles", EngagementTime.Canonical("america/los_angeles"));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 23, 0, 0, TimeSpan.Zero), EngagementTime.ToUtc(new DateTime(2026, 12, 1, 15, 0, 0), "AMERICA/LOS_ANGELES"));
    }

    private static readonly Opportunity Asked = new()
    {
        Id = "o1", Kind = "focus-group", Title = "Housing", Topics = ["Housing after exit"], Seats = 10, ApplicationDeadline = DateTimeOffset.UnixEpoch,
        Compensation = new Compensation(PayBasis.PerSession, 150m, 30, TravelAllowed: true, PerDiemAllowed: true), Currency = "USD", RecruiterId = "r", CreatedAt = DateTimeOffset.UnixEpoch,
    };

    [Fact]
    public void What_people_were_asked_to_may_be_paid_more_but_not_less_and_published_work_keeps_what_it_is_about()
    {
        Assert.Null(AskedTerms.WhyNotChange(Asked, Asked with { Compensation = Asked.Compensation with { Rate = 200m } }));
        Assert.Null(AskedTerms.WhyNotChangeWhatItIsAbout(Asked with { Description = "Two lines\nof it." }, Asked with { Topics = ["HOUSING AFTER EXIT"], Seats = 9, Description = "Two lines\r\nof it." }));
        Assert.Contains("keeps its kind, topics, title and description", AskedTerms.WhyNotChangeWhatItIsAbout(Asked, Asked with { Topics = ["Housing after exit", "Family court"] }), StringComparison.Ordinal);
        Assert.Contains("keeps its kind, topics, title and description", AskedTerms.WhyNotChangeWhatItIsAbout(Asked, Asked with { Kind = "advisory-board" }), StringComparison.Ordinal);
        Assert.Contains("keeps its kind, topics, title and description", AskedTerms.WhyNotChangeWhatItIsAbout(Asked, Asked with { Title = "Staying housed" }), StringComparison.Ordinal);
        Assert.Contains("keeps its kind, topics, title and description", AskedTerms.WhyNotChangeWhatItIsAbout(Asked, Asked with { Description = "Also about family court." }), StringComparison.Ordinal);
        Assert.Contains("never lowered", AskedTerms.WhyNotChange(Asked, Asked with { Compensation = Asked.Compensation with { Rate = 149.99m } }), StringComparison.Ordinal);
        Assert.Contains("never lowered", AskedTerms.WhyNotChange(Asked, Asked with { Compensation = Asked.Compensation with { PrepMinutesPerSession = 0 } }), StringComparison.Ordinal);
        Assert.Contains("never lowered", AskedTerms.WhyNotChange(Asked, Asked with { Compensation = Asked.Compensation with { TravelAllowed = false } }), StringComparison.Ordinal);
        Assert.Contains("never lowered", AskedTerms.WhyNotChange(Asked, Asked with { Compensation = Asked.Compensation with { Basis = PayBasis.Hourly } }), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flat_sum_per_session_may_not_stretch_over_a_longer_session_once_people_were_asked()
    {
        var start = new DateTime(2026, 12, 2, 18, 0, 0, DateTimeKind.Unspecified);
        EngagementSession Lasting(int hours) => new("s1", start, start.AddHours(hours), "UTC", false, null, null);
        var oneHour = Asked with { Sessions = [Lasting(1)] };

        Assert.Contains("never lowered", AskedTerms.WhyNotChange(oneHour, oneHour with { Sessions = [Lasting(3)] }), StringComparison.Ordinal);
        Assert.Null(AskedTerms.WhyNotChange(oneHour, oneHour with { Sessions = [Lasting(3)], Compensation = Asked.Compensation with { Rate = 350m } }));
    }

    [Fact]
    public void A_flat_sum_per_session_may_not_stretch_a_shorter_session_to_the_longest_one_s_length()
    {
        var start = new DateTime(2026, 12, 2, 18, 0, 0, DateTimeKind.Unspecified);
        EngagementSession Lasting(string id, int days, int hours) => new(id, start.AddDays(days), start.AddDays(days).AddHours(hours), "UTC", false, null, null);
        var two = Asked with { Sessions = [Lasting("s1", 0, 1), Lasting("s2", 7, 3)] };

        Assert.Contains("never lowered", AskedTerms.WhyNotChange(two, two with { Sessions = [Lasting("s1", 0, 3), Lasting("s2", 7, 3)] }), StringComparison.Ordinal);
        Assert.Null(AskedTerms.WhyNotChange(two, two with { Sessions = [Lasting("s1", 0, 1), Lasting("s2", 7, 2)] }));
    }

    [Fact]
    public void An_hourly_session_may_not_be_cut_shorter_once_people_were_asked()
    {
        var start = new DateTime(2026, 12, 2, 18, 0, 0, DateTimeKind.Unspecified);
        EngagementSession Lasting(double hours) => new("s1", start, start.AddHours(hours), "UTC", false, null, null);
        var threeHours = Asked with { Compensation = new Compensation(PayBasis.Hourly, 50m, 30, TravelAllowed: true, PerDiemAllowed: true), Sessions = [Lasting(3)] };

        Assert.Contains("never lowered", AskedTerms.WhyNotChange(threeHours, threeHours with { Sessions = [Lasting(0.5)] }), StringComparison.Ordinal);
        Assert.Null(AskedTerms.WhyNotChange(threeHours, threeHours with { Sessions = [Lasting(4)] }));
    }

    [Fact]
    public void A_seat_is_held_for_a_session_by_whoever_was_confirmed_when_it_began()
    {
        var start = new DateTimeOffset(2026, 12, 2, 18, 0, 0, TimeSpan.Zero);

        Assert.True(ClaimRules.HeldSeatAt(ParticipationState.Confirmed, start.AddDays(-3), start.AddDays(-3), start));
        Assert.True(ClaimRules.HeldSeatAt(ParticipationState.Confirmed, null, null, start));
        Assert.False(ClaimRules.HeldSeatAt(ParticipationState.Confirmed, start.AddHours(1), start.AddHours(1), start));
        Assert.True(ClaimRules.HeldSeatAt(ParticipationState.Withdrawn, start.AddDays(-3), start.AddHours(5), start));
        Assert.False(ClaimRules.HeldSeatAt(ParticipationState.Withdrawn, start.AddDays(-3), start.AddHours(-1), start));
        Assert.False(ClaimRules.HeldSeatAt(ParticipationState.Withdrawn, null, start.AddHours(5), start));
        Assert.False(ClaimRules.HeldSeatAt(ParticipationState.Waitlisted, null, start.AddDays(-3), start));
    }

    [Fact]
    public void A_cancelled_place_stays_cancelled_until_its_holder_gives_it_up_and_is_confirmed_again()
    {
        var confirmed = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);

        Assert.True(ClaimRules.CancelsPlace(confirmed.AddHours(1), ParticipationState.Confirmed, confirmed));
        Assert.True(ClaimRules.CancelsPlace(confirmed.AddHours(1), ParticipationState.Confirmed, null));
        Assert.False(ClaimRules.CancelsPlace(confirmed.AddHours(-1), ParticipationState.Confirmed, confirmed));
        Assert.False(ClaimRules.CancelsPlace(confirmed.AddHours(1), ParticipationState.Withdrawn, confirmed));
    }

    [Fact]
    public void Only_a_cancellation_by_the_agency_recorded_since_the_place_was_taken_says_the_place_is_off()
    {
        var confirmed = new DateTimeOffset(2026, 12, 2, 9, 0, 0, TimeSpan.Zero);
        var place = new Participation
        {
            Id = "p", OpportunityId = "o", PersonId = "a", State = ParticipationState.Confirmed, ConfirmedAt = confirmed, CreatedAt = confirmed,
        };
        CompensationClaim Claim(AttendanceOutcome outcome, DateTimeOffset at) => new()
        {
            Id = "c", OpportunityId = "o", SessionId = "s1", PersonId = "a", Outcome = outcome, HoursPaid = 0, Amount = 0, Share = 0,
            Currency = "USD", TravelAllowed = false, PerDiemAllowed = false, RecordedAt = at, RecordedBy = "r",
        };

        Assert.True(ClaimRules.CancelsPlace(Claim(AttendanceOutcome.CancelledByAgency, confirmed.AddHours(1)), place));
        Assert.False(ClaimRules.CancelsPlace(Claim(AttendanceOutcome.CancelledByAgency, confirmed.AddHours(-1)), place));
        Assert.False(ClaimRules.CancelsPlace(Claim(AttendanceOutcome.Attended, confirmed.AddHours(1)), place));
        Assert.False(ClaimRules.CancelsPlace(Claim(AttendanceOutcome.CancelledByAgency, confirmed.AddHours(1)), null));
        Assert.False(ClaimRules.CancelsPlace(null, place));
    }

    [Theory]
    [InlineData(AttendanceOutcome.Attended, 300, 150, true)]
    [InlineData(AttendanceOutcome.Partial, 150, 150, true)]
    [InlineData(AttendanceOutcome.Partial, 50, 150, false)]
    [InlineData(AttendanceOutcome.NoShow, 0, 0, false)]
    [InlineData(AttendanceOutcome.Attended, 300, 0, true)]
    public void A_cancelled_place_is_recorded_again_only_as_someone_who_came_all_the_same_paid_no_less(AttendanceOutcome outcome, int amount, int cancellationPays, bool may) =>
        Assert.Equal(may, ClaimRules.MayReplaceCancellation(cancellationPays, outcome, amount));

    [Fact]
    public void A_claim_recorded_again_pays_less_when_its_amount_falls_or_the_travel_it_claimed_goes()
    {
        var travel = new TravelClaim(12m, [], 0);
        Assert.True(ClaimRules.PaysLess(150m, null, 75m, null));
        Assert.True(ClaimRules.PaysLess(150m, travel, 150m, null));
        Assert.False(ClaimRules.PaysLess(150m, new TravelClaim(0m, [], 0), 150m, null));
        Assert.False(ClaimRules.PaysLess(75m, travel, 150m, travel));
        Assert.False(ClaimRules.PaysLess(150m, null, 150m, null));
    }

    private static EngagementSettings Terms(decimal? focusGroupRate = 40m, bool latePays = true, int lateHours = 24, decimal receiptCap = 100m, string currency = "USD") => new()
    {
        Id = EngagementSettings.DocumentId,
        Currency = currency,
        Kinds = [new WorkKind("focus-group", "Focus group", focusGroupRate), new WorkKind("training", "Training", null)],
        LateCancellationPays = latePays,
        LateCancellationHours = lateHours,
        ReceiptCap = receiptCap,
    };

    public static TheoryData<string, EngagementSettings, bool> TermsChanged => new()
    {
        { "the same", Terms(), false },
        { "a benchmark raised", Terms(focusGroupRate: 45m), false },
        { "a benchmark lowered", Terms(focusGroupRate: 39.99m), true },
        { "a benchmark taken away", Terms(focusGroupRate: null), true },
        { "a kind with a benchmark removed", Terms() with { Kinds = [new WorkKind("training", "Training", null)] }, true },
        { "late cancellations no longer paid", Terms(latePays: false), true },
        { "late cancellations paid only closer to the session", Terms(lateHours: 12), true },
        { "late cancellations paid further from it", Terms(lateHours: 48), false },
        { "a smaller receipt cap", Terms(receiptCap: 50m), true },
        { "a larger receipt cap", Terms(receiptCap: 150m), false },
        { "another currency", Terms(currency: "CAD"), true },
    };

    [Theory]
    [MemberData(nameof(TermsChanged))]
    public void Terms_that_pay_survivors_less_are_a_loosening_and_terms_that_pay_more_are_not(string change, EngagementSettings after, bool paysLess) =>
        Assert.True(EngagementSettings.PaysLess(Terms(), after) == paysLess, change);

    [Fact]
    public void A_kind_given_a_benchmark_for_the_first_time_or_removed_without_one_pays_nobody_less()
    {
        var before = Terms() with { Kinds = [new WorkKind("focus-group", "Focus group", 40m)] };

        Assert.False(EngagementSettings.PaysLess(before, Terms()));
        Assert.False(EngagementSettings.PaysLess(Terms(), before));
    }

    [Theory]
    [InlineData(10, 120, 10, 120, false)]
    [InlineData(10, 120, 11, 120, false)]
    [InlineData(10, 60, 11, 120, true)]
    [InlineData(10, 61, 11, 120, false)]
    [InlineData(10, 120, 12, 120, true)]
    [InlineData(14, 120, 10, 120, true)]
    public void Someone_is_paid_for_two_sessions_at_once_only_for_minutes_that_fit_between_the_first_start_and_the_last_end(int oneStart, int oneMinutes, int otherStart, int otherMinutes, bool both)
    {
        Assert.Equal(both, ClaimRules.CouldTakePartInBoth(At(oneStart), oneMinutes, At(otherStart), otherMinutes));
        Assert.Equal(both, ClaimRules.CouldTakePartInBoth(At(otherStart), otherMinutes, At(oneStart), oneMinutes));
    }
}
