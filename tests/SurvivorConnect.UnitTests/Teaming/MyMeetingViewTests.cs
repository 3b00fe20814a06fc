using SurvivorConnect.Api.Features.Teaming;

namespace SurvivorConnect.UnitTests.Teaming;

public sealed class MyMeetingViewTests
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        [MemberView.YouthId] = "Jo",
        ["lead~cm"] = "Alex",
        ["namesake"] = "Jo",
    };

    private const string SignIn = "jo-sign-in";

    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_youth_reads_themselves_as_having_come_by_their_place_on_the_team_not_by_a_name_another_member_shares()
    {
        var view = MyMeetingView.From(Held([MemberView.YouthId, "lead~cm", "namesake"]), Names, SignIn, Now);

        Assert.True(view.YouCame);
        Assert.Equal(["Alex", "Jo"], view.OthersWhoCame);
    }

    [Fact]
    public void A_member_sharing_the_youths_name_is_not_the_youth()
    {
        var view = MyMeetingView.From(Held(["namesake"]) with { Actions = [new MeetingAction("a1", "Call the school", "namesake", new DateOnly(2027, 1, 4))] }, Names, SignIn, Now);

        Assert.False(view.YouCame);
        Assert.Equal(["Jo"], view.OthersWhoCame);
        Assert.Equal("Jo", Assert.Single(view.Actions).Owner);
    }

    [Fact]
    public void The_youths_own_action_has_no_owner_name_and_a_removed_member_is_not_named()
    {
        var view = MyMeetingView.From(Held(["gone"]) with
        {
            Actions = [new MeetingAction("a1", "Visit the school", MemberView.YouthId, new DateOnly(2027, 1, 4)), new MeetingAction("a2", "Book a room", "gone", new DateOnly(2027, 1, 4))],
        }, Names, SignIn, Now);

        Assert.Equal([null, "A former member"], view.Actions.Select(a => a.Owner));
        Assert.Equal(["A former member"], view.OthersWhoCame);
    }

    [Fact]
    public void Views_are_the_youths_only_from_the_sign_in_they_use_now_and_are_taken_only_before_the_meeting_begins()
    {
        var toCome = Held([]) with { HeldAt = null, ScheduledFor = Now.AddDays(2), YouthViews = "I want my aunt there.", YouthViewsBy = SignIn };

        var mine = MyMeetingView.From(toCome, Names, SignIn, Now);
        var fromAnEarlierSignIn = MyMeetingView.From(toCome with { YouthViewsBy = "old-sign-in" }, Names, SignIn, Now);
        var begun = MyMeetingView.From(toCome, Names, SignIn, Now.AddDays(3));

        Assert.Equal(("I want my aunt there.", true), (mine.YourViews, mine.TakesViews));
        Assert.Null(fromAnEarlierSignIn.YourViews);
        Assert.False(begun.TakesViews);
        Assert.False(MyMeetingView.From(Held([]), Names, SignIn, Now).TakesViews);
    }

    private static TeamMeeting Held(IReadOnlyList<string> attended) => new()
    {
        Id = "m1",
        YouthId = "y1",
        ScheduledFor = new DateTimeOffset(2026, 12, 1, 15, 0, 0, TimeSpan.Zero),
        Agenda = ["School"],
        ScheduledBy = "cm",
        HeldAt = new DateTimeOffset(2026, 12, 1, 16, 0, 0, TimeSpan.Zero),
        Attended = attended,
    };
}
