namespace SurvivorConnect.Api.Features.Supervision.Rules;

/// <summary>
/// The check-in SurvivorConnect ships, written for this product (no third-party item text): secondary traumatic
/// stress, burnout, support and self-care over the last two weeks, and one urgent item about safety and self-harm.
/// Means run 0 to 4; a band from 2.5 (or, where higher is better, below 1.5) is a concern.
/// </summary>
public static class DefaultInstrument
{
    public const string Key = "survivorconnect-wellbeing";

    private static readonly ScoreBand[] Worse = [new("low", 0m), new("moderate", 1.5m), new("high", 2.5m, Concern: true)];
    private static readonly ScoreBand[] Better = [new("low", 0m, Concern: true), new("moderate", 1.5m), new("high", 2.5m)];

    public static InstrumentDefinition Version1 { get; } = new(
        Key, 1, "SurvivorConnect mentor wellbeing check-in", "the last two weeks",
        new ResponseScale(0, 4, ["Never", "Rarely", "Sometimes", "Often", "Very often"]),
        [
            new("stress", "Carrying others' stories", Worse),
            new("burnout", "Feeling worn out", Worse),
            new("support", "Feeling supported", Better, HigherIsBetter: true),
            new("self-care", "Looking after yourself", Better, HigherIsBetter: true),
            new("safety", "Your safety", [new("none", 0m), new("present", 1m, Concern: true)]),
        ],
        [
            new("stress-1", "Something a mentee shared came back to me when I did not want it to.", "stress"),
            new("stress-2", "I stayed away from things that reminded me of what a mentee went through.", "stress"),
            new("stress-3", "I felt on edge or jumpy after mentoring.", "stress"),
            new("stress-4", "My own past felt closer than usual because of mentoring.", "stress"),
            new("burnout-1", "I felt worn out by mentoring.", "burnout"),
            new("burnout-2", "I dreaded a mentoring conversation.", "burnout"),
            new("burnout-3", "I felt that what I do as a mentor makes a difference.", "burnout", Reverse: true),
            new("support-1", "I could talk to my supervisor when I needed to.", "support"),
            new("support-2", "I felt my agency had my back in this role.", "support"),
            new("support-3", "I had someone outside mentoring to lean on.", "support"),
            new("self-care-1", "I made time for rest and for things I enjoy.", "self-care"),
            new("self-care-2", "I slept reasonably well.", "self-care"),
            new("safety-1", "I had thoughts of harming myself, or I did not feel safe.", "safety", Urgent: true),
        ]);
}
