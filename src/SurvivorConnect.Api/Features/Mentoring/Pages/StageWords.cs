using SurvivorConnect.Api.Features.Mentoring.Rules;

namespace SurvivorConnect.Api.Features.Mentoring.Pages;

/// <summary>The stages of change in the plain words the portal uses everywhere.</summary>
public static class StageWords
{
    public static string Of(StageOfChange stage) => stage switch
    {
        StageOfChange.Precontemplation => "Not yet thinking about change",
        StageOfChange.Contemplation => "Thinking about change",
        StageOfChange.Preparation => "Getting ready",
        StageOfChange.Action => "Making changes",
        _ => "Keeping it going",
    };

    public static string Of(ReturnRoute route) => route switch
    {
        ReturnRoute.OnTheirOwn => "came back on their own",
        ReturnRoute.WithTrustedAdult => "with a trusted adult",
        ReturnRoute.FoundByAgency => "agency staff found them",
        ReturnRoute.FoundByPolice => "police found them",
        ReturnRoute.PlacedElsewhere => "placed somewhere else",
        _ => "another way",
    };
}
