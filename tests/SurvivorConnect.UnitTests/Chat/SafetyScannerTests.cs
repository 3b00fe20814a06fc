using SurvivorConnect.Api.Features.Chat.Rules;

namespace SurvivorConnect.UnitTests.Chat;

public sealed class SafetyScannerTests
{
    private static readonly SafetyScanner Scanner = new(SafetyOptions.Defaults());

    [Theory]
    [InlineData("Text me at 559-555-0134", "phone-number")]
    [InlineData("my number is (559) 555 0134", "phone-number")]
    [InlineData("+1 559.555.0134", "phone-number")]
    [InlineData("email me: sam.r@example.org", "email-address")]
    [InlineData("sam (at) example (dot) org", "email-address")]
    [InlineData("look at https://example.net/x", "link")]
    [InlineData("go to www.something.org", "link")]
    [InlineData("add me @sam_rivers", "social-handle")]
    [InlineData("whats your snapchat", "social-handle")]
    [InlineData("I live at 1234 West Shaw Ave", "street-address")]
    [InlineData("come to 12 Oak Court", "street-address")]
    [InlineData("5 Oak Ct", "street-address")]
    [InlineData("4521 Old Mill Way", "street-address")]
    [InlineData("1234 Martin Luther King Dr", "street-address")]
    [InlineData("5 5 9 5 5 5 0 1 3 4", "phone-number")]
    [InlineData("559 - 555 - 0134", "phone-number")]
    [InlineData("559, 555, 0134", "phone-number")]
    [InlineData("559/555/0134", "phone-number")]
    [InlineData("559  555  0134", "phone-number")]
    [InlineData("five five nine, five five five, zero one three four", "phone-number")]
    [InlineData("my ig is riley_xo", "social-handle")]
    [InlineData("add me on snap", "social-handle")]
    [InlineData("snap me", "social-handle")]
    [InlineData("insta: rileyxo", "social-handle")]
    [InlineData("ig riley.xo", "social-handle")]
    [InlineData("i saw it on tiktok", "social-handle")]
    [InlineData("559 555 01 34", "phone-number")]
    [InlineData("5595 550 134", "phone-number")]
    [InlineData("call 55 95 550 134 tonight", "phone-number")]
    [InlineData("559 five five five 0134", "phone-number")]
    [InlineData("five five nine 555 zero one three four", "phone-number")]
    [InlineData("riley22 at gmail dot com", "email-address")]
    [InlineData("write me at gmail, same name", "email-address")]
    [InlineData("hmu on the gram riley_22", "social-handle")]
    [InlineData("sc: riley_22", "social-handle")]
    [InlineData("send it to $riley22", "payment-handle")]
    [InlineData("my cell is 559 555 01 34, text me after 6", "phone-number")]
    [InlineData("5595 550 134, thanks", "phone-number")]
    [InlineData("add me on sc: rileyxo", "social-handle")]
    [InlineData("gram: riley.xo", "social-handle")]
    [InlineData("my sc name is rileyxo", "social-handle")]
    [InlineData("559_555_0134", "phone-number")]
    [InlineData("559*555*0134", "phone-number")]
    [InlineData("559~555~0134", "phone-number")]
    [InlineData("559 🔥 555 🔥 0134", "phone-number")]
    [InlineData("(559)555~0134", "phone-number")]
    [InlineData("5 5 9 - 5 5 5 - 0 1 3 4", "phone-number")]
    [InlineData("SS9 SSS 0134", "phone-number")]
    [InlineData("559#555#0134", "phone-number")]
    [InlineData("559&555&0134", "phone-number")]
    [InlineData("add me on signal, same name as here", "social-handle")]
    [InlineData("facetime me later", "social-handle")]
    [InlineData("imessage me", "social-handle")]
    [InlineData("google voice number in my bio", "social-handle")]
    [InlineData("add me on messenger", "social-handle")]
    [InlineData("find me on onlyfans", "social-handle")]
    [InlineData("hit me up on sn4pchat rileyxo", "social-handle")]
    [InlineData("s n a p c h a t: rileyxo", "social-handle")]
    [InlineData("text me on whatsap", "social-handle")]
    [InlineData("riley_22 on the gram", "social-handle")]
    [InlineData("my gmail is riley.xo22", "email-address")]
    [InlineData("gmail: rileyxo22", "email-address")]
    [InlineData("linktr.ee/rileyxo", "link")]
    [InlineData("go to rileyxo dot com", "link")]
    public void Contact_outside_the_platform_is_held(string text, string kind)
    {
        var verdict = Scanner.Scan(text);

        Assert.Equal(SafetyAction.Hold, verdict.Action);
        Assert.Contains(verdict.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData("we should meet up this weekend", "meet-off-platform")]
    [InlineData("don't tell your case manager", "meet-off-platform")]
    [InlineData("don\u2019t tell your case manager", "meet-off-platform")]
    [InlineData("do not tell anyone", "meet-off-platform")]
    [InlineData("I can pick you up after school", "meet-off-platform")]
    [InlineData("I'll send you money on cash app", "money-gift-ride")]
    [InlineData("want a gift card?", "money-gift-ride")]
    [InlineData("I can give you a ride", "money-gift-ride")]
    [InlineData("i'll venm0 you", "money-gift-ride")]
    [InlineData("let's meet at the mall saturday", "meet-off-platform")]
    [InlineData("wanna link up this weekend", "meet-off-platform")]
    [InlineData("can we meet?", "meet-off-platform")]
    [InlineData("when can I meet you", "meet-off-platform")]
    public void Requests_to_meet_and_offers_of_money_gifts_or_rides_are_delivered_and_flagged(string text, string kind)
    {
        var verdict = Scanner.Scan(text);

        Assert.Equal(SafetyAction.DeliverAndFlag, verdict.Action);
        Assert.False(verdict.Urgent);
        Assert.Contains(verdict.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData("don't tell your case manager about this", "secrecy")]
    [InlineData("this is our little secret", "secrecy")]
    [InlineData("keep this between us ok", "secrecy")]
    [InlineData("delete these messages after", "secrecy")]
    [InlineData("I can pick you up after school", "pick-up-or-ride")]
    [InlineData("I'll come get you tonight", "pick-up-or-ride")]
    [InlineData("want a gift card?", "money-or-gift")]
    [InlineData("I can send you money on cash app", "money-or-gift")]
    [InlineData("let me buy you something nice", "money-or-gift")]
    [InlineData("dont tell ur case manager", "secrecy")]
    [InlineData("this is between you and me", "secrecy")]
    [InlineData("I can drive you home", "pick-up-or-ride")]
    [InlineData("I'll grab you after school", "pick-up-or-ride")]
    [InlineData("I'll get you a new phone", "money-or-gift")]
    [InlineData("I'll send you 50 bucks", "money-or-gift")]
    [InlineData("ok but don't tell anyone", "secrecy")]
    [InlineData("don't tell anyone I gave you this", "secrecy")]
    [InlineData("do not tell anyone we talked", "secrecy")]
    [InlineData("don't tell your worker", "secrecy")]
    [InlineData("don't let your case manager see this", "secrecy")]
    [InlineData("no need to mention this to your cm", "secrecy")]
    [InlineData("let's keep it just you and me", "secrecy")]
    [InlineData("i'll be outside your school at 3", "pick-up-or-ride")]
    [InlineData("i can swing by ur place", "pick-up-or-ride")]
    [InlineData("u can stay at my place", "pick-up-or-ride")]
    [InlineData("i'll get you an uber", "pick-up-or-ride")]
    [InlineData("wanna chill this weekend? i'll come to you", "pick-up-or-ride")]
    [InlineData("i can send u fifty", "money-or-gift")]
    [InlineData("ill put money on your card", "money-or-gift")]
    [InlineData("ill get u sum new shoes", "money-or-gift")]
    [InlineData("no need to tell the staff", "secrecy")]
    [InlineData("you can stay with my family", "pick-up-or-ride")]
    [InlineData("crash at my spot", "pick-up-or-ride")]
    [InlineData("come stay at my mom's", "pick-up-or-ride")]
    [InlineData("d0n't tell ur mom", "secrecy")]
    public void Secrets_rides_money_and_gifts_a_mentor_offers_are_held_and_from_a_youth_are_not(string text, string kind)
    {
        var fromMentor = Scanner.Scan(text, fromMentor: true);
        var fromYouth = Scanner.Scan(text);

        Assert.Equal(SafetyAction.Hold, fromMentor.Action);
        Assert.Contains(fromMentor.Findings, f => f.Kind == kind);
        Assert.NotEqual(SafetyAction.Hold, fromYouth.Action);
        Assert.DoesNotContain(fromYouth.Findings, f => f.Kind == kind);
    }

    [Theory]
    [InlineData("nice to meet you, Riley")]
    [InlineData("the bus ride takes an hour")]
    [InlineData("tell your case manager how it went")]
    [InlineData("I kept a secret diary when I was your age")]
    [InlineData("Don't tell anyone your address online")]
    [InlineData("it's just us and your case manager here")]
    [InlineData("I can get you the form your case manager mentioned")]
    [InlineData("I'll get you a copy of the schedule")]
    [InlineData("let me get you an answer by Friday")]
    [InlineData("I'll grab you a water before group")]
    [InlineData("your case manager can drive you home")]
    [InlineData("I'll send you 2 options")]
    [InlineData("your case manager will get you an answer")]
    [InlineData("I took an uber to group")]
    [InlineData("I'll come to your group on Friday if you want")]
    [InlineData("no need to tell me if you're not ready")]
    [InlineData("I have to stay with my kids tonight")]
    [InlineData("I'm going to sleep at my mom's")]
    [InlineData("I'll send you ten job links")]
    [InlineData("let me get you some new info")]
    public void A_mentors_ordinary_words_are_not_held(string text)
    {
        Assert.NotEqual(SafetyAction.Hold, Scanner.Scan(text, fromMentor: true).Action);
    }

    [Theory]
    [InlineData("sometimes I want to die", "self-harm")]
    [InlineData("I've been cutting myself again", "self-harm")]
    [InlineData("I'm not safe here tonight", "in-danger")]
    [InlineData("I\u2019m not safe", "in-danger")]
    [InlineData("I am in danger", "in-danger")]
    [InlineData("i dont feel safe at home", "in-danger")]
    [InlineData("he\u2019s going to hurt me", "in-danger")]
    [InlineData("she is gonna hurt me", "in-danger")]
    [InlineData("he is going to hurt me", "in-danger")]
    [InlineData("they won\u2019t let me leave", "being-forced")]
    [InlineData("they will not let me leave", "being-forced")]
    [InlineData("he's forcing me to work", "being-forced")]
    [InlineData("they took my phone and my ID... took my id", "being-forced")]
    [InlineData("i wanna die", "self-harm")]
    [InlineData("kms", "self-harm")]
    [InlineData("i want to kms", "self-harm")]
    [InlineData("i'm gonna unalive myself", "self-harm")]
    [InlineData("i dont want to be alive", "self-harm")]
    [InlineData("i want to be dead", "self-harm")]
    [InlineData("i wish i was dead", "self-harm")]
    [InlineData("i don't want to be here anymore", "self-harm")]
    [InlineData("gonna k1ll mys3lf", "self-harm")]
    [InlineData("he's gonna kill me", "in-danger")]
    [InlineData("he will kill me if i leave", "in-danger")]
    [InlineData("he said he'd kill me", "in-danger")]
    [InlineData("he hurts me", "in-danger")]
    [InlineData("he beats me", "in-danger")]
    [InlineData("im so scared of him", "in-danger")]
    [InlineData("gonna kms", "self-harm")]
    [InlineData("i'ma kms", "self-harm")]
    [InlineData("he'd kill me", "in-danger")]
    [InlineData("he hit me again", "in-danger")]
    [InlineData("he beat me.", "in-danger")]
    [InlineData("i don't want to live anymore", "self-harm")]
    [InlineData("im scared he'll find me", "in-danger")]
    [InlineData("he forces me to see guys", "being-forced")]
    [InlineData("I'm scared he's gonna find me", "in-danger")]
    [InlineData("I'm scared they're coming for me", "in-danger")]
    [InlineData("i'm scared.", "in-danger")]
    [InlineData("he hurt me last night", "in-danger")]
    [InlineData("he choked me out", "in-danger")]
    [InlineData("he hit me so hard", "in-danger")]
    [InlineData("my bf chokes me sometimes", "in-danger")]
    [InlineData("he hit me 😢", "in-danger")]
    [InlineData("i don't want to be alive anymore 😭", "self-harm")]
    [InlineData("I don't want to wake up tomorrow", "self-harm")]
    [InlineData("thinking about unaliving", "self-harm")]
    [InlineData("I overdosed last night", "self-harm")]
    [InlineData("he makes me work every night", "being-forced")]
    [InlineData("they don't let me go.", "being-forced")]
    [InlineData("please help me", "in-danger")]
    [InlineData("pls help!!", "in-danger")]
    [InlineData("he has my phone", "being-forced")]
    [InlineData("he makes me see guys", "being-forced")]
    [InlineData("i owe him 500", "being-forced")]
    [InlineData("daddy wont let me go", "being-forced")]
    [InlineData("i dont want to be alive\nnobody cares", "self-harm")]
    [InlineData("ok\nkms", "self-harm")]
    [InlineData("please help me\nhe's here", "in-danger")]
    [InlineData("im so scared\nhe's back", "in-danger")]
    [InlineData("he hits me\nidk what to do", "in-danger")]
    [InlineData("they don't let me go\r\nwhat do i do", "being-forced")]
    [InlineData("he has my phone\nim using a friends", "being-forced")]
    [InlineData("I'm n0t safe", "in-danger")]
    [InlineData("he's going to k1ll me", "in-danger")]
    public void Crisis_language_is_delivered_and_urgent(string text, string kind)
    {
        var verdict = Scanner.Scan(text);

        Assert.Equal(SafetyAction.DeliverAndFlag, verdict.Action);
        Assert.True(verdict.Urgent);
        Assert.Contains(verdict.Findings, f => f.Kind == kind && f.Category == "crisis");
    }

    [Fact]
    public void Contact_details_beside_crisis_language_are_held_and_still_urgent()
    {
        var verdict = Scanner.Scan("I want to die, call me 559-555-0134");

        Assert.Equal(SafetyAction.Hold, verdict.Action);
        Assert.True(verdict.Urgent);
    }

    [Theory]
    [InlineData("How was school today?")]
    [InlineData("I drew a picture of my dog")]
    [InlineData("We talked about the 3 goals for this week")]
    [InlineData("<script>alert('hi')</script>")]
    [InlineData("I have 2 weeks until court")]
    [InlineData("2 tests on the way home")]
    [InlineData("we have 10 days until court")]
    [InlineData("I snap at people when I'm tired")]
    [InlineData("ig that's fine")]
    [InlineData("one or two of them, maybe three")]
    [InlineData("between 2019 and 2024 I moved 3 times")]
    [InlineData("court is 03-14-2025 10:30")]
    [InlineData("court is 2025-03-14 10:30")]
    [InlineData("lol I was so bored at 10 o'clock, I told 3 people")]
    [InlineData("we met at 5 I think, 4 of us, in room 1O2")]
    [InlineData("I got 2 of 5 in the quiz, lol")]
    [InlineData("my grades 98 87 92 85 90")]
    [InlineData("count 1 2 3 4 5 6 7 8 9 10")]
    [InlineData("breathe: nine eight seven six five four three two one")]
    [InlineData("ig idk")]
    [InlineData("ig me too")]
    [InlineData("ig :)")]
    [InlineData("ig ok.")]
    [InlineData("ig 2 days")]
    [InlineData("oh snap is it friday")]
    [InlineData("it's a 20 minute drive")]
    [InlineData("3 kids in my apt")]
    [InlineData("2 girls on my street")]
    [InlineData("5 hours on the road")]
    [InlineData("court is 03-14-2025 10:30 in room 12")]
    [InlineData("one more st and we're there, two or three blocks")]
    [InlineData("it costs $20 and $5 for the bus")]
    [InlineData("I looked at him and he said one two three go")]
    [InlineData("my scores 85 90 and 77 60 this term")]
    [InlineData("add a gram of salt, sc is far from here")]
    [InlineData("court is 03/14/2025 10 am")]
    [InlineData("court is 03-14-2025 10 am")]
    [InlineData("I'm away 12/20 - 12/28/2024")]
    [InlineData("12/20/2024-12/28")]
    [InlineData("I got 100, 100, 95, 88")]
    [InlineData("we learned about gram-positive bacteria")]
    [InlineData("saw my gram - she's better")]
    [InlineData("born in SC - Charleston")]
    [InlineData("gonna see my gram b4 court")]
    [InlineData("gram l8r, the scene2 was fun")]
    [InlineData("I ran 5 kms today")]
    [InlineData("he'll hit me up later")]
    [InlineData("she beat me at cards lol")]
    [InlineData("i'm scared of spiders")]
    [InlineData("I owe him a favor")]
    [InlineData("the signal is bad here")]
    [InlineData("don't shoot the messenger")]
    [InlineData("my email is full")]
    [InlineData("nice to meet you, Riley")]
    [InlineData("I got my 1st job b4 my bday")]
    [InlineData("a b c d e f")]
    [InlineData("score was 3-1 at 5:30")]
    [InlineData("room 12 - 2 floors up - 5 doors")]
    [InlineData("my mom won't let me go to the party")]
    [InlineData("I don't want to live with my dad")]
    [InlineData("I don't want to wake up at 6 tomorrow")]
    [InlineData("I'm so scared they won't hire me")]
    [InlineData("she beats me at every game")]
    [InlineData("I owe them so much")]
    [InlineData("they have my id at the front desk")]
    [InlineData("she has my phone charger")]
    [InlineData("my coach makes me work so hard")]
    [InlineData("my cousin overdosed last year")]
    [InlineData("I can't text now")]
    [InlineData("sorry my signal is bad")]
    [InlineData("ur signal keeps dropping")]
    [InlineData("my messenger bag broke")]
    [InlineData("my icloud is full.")]
    [InlineData("my outlook is good.")]
    [InlineData("haha.lol")]
    [InlineData("i need 1500 so 1200 is not enough")]
    [InlineData("999 + 111 = 1110")]
    [InlineData("100% 95% 100% 90%")]
    [InlineData("ugh I don't want to be here lol")]
    [InlineData("I don't want to be here, this class is boring")]
    [InlineData("my brother beat me again at 2k")]
    [InlineData("she beats me every time we play uno")]
    [InlineData("my mom won't let me out this weekend")]
    [InlineData("my mom is making me work at her store")]
    [InlineData("I get nervous when I meet new people")]
    [InlineData("can I meet the other mentors at the event?")]
    [InlineData("my grades: A, B, B, C, A this term")]
    [InlineData("options a / b / c / d, I picked b")]
    [InlineData("I'll be @ home. ok")]
    [InlineData("im @ school. call u later")]
    [InlineData("x x x x love you lots")]
    [InlineData("o_o what happened")]
    public void Ordinary_messages_are_delivered_untouched(string text)
    {
        Assert.Equal(new SafetyVerdict(SafetyAction.Deliver, false, []), Scanner.Scan(text) with { Findings = [] });
        Assert.Empty(Scanner.Scan(text).Findings);
    }

    [Theory]
    [InlineData("call 5595550134 please", SafetyAction.Hold)]
    [InlineData("5595550134", SafetyAction.Hold)]
    [InlineData("order 123455595550134 shipped", SafetyAction.Deliver)]
    [InlineData("@sam_rivers is my name", SafetyAction.Hold)]
    [InlineData("sam.r@example.org", SafetyAction.Hold)]
    public void Digits_and_handles_are_judged_by_what_stands_beside_them(string text, SafetyAction expected)
    {
        Assert.Equal(expected, Scanner.Scan(text).Action);
    }

    [Fact]
    public void Text_built_to_make_a_scan_slow_gets_the_same_verdict_as_any_text()
    {
        string[] adversarial =
        [
            "x@" + string.Concat(Enumerable.Repeat("a.", 999)),
            string.Concat(Enumerable.Repeat("1 a ", 500)),
            new string('a', 1999) + "!",
            string.Concat(Enumerable.Repeat("@a", 990)) + " @sam_rivers",
            string.Concat(Enumerable.Repeat("555 ", 495)) + "5555",
        ];

        var verdicts = adversarial.Select(t => Scanner.Scan(t).Action).ToList();

        Assert.Equal([SafetyAction.Deliver, SafetyAction.Deliver, SafetyAction.Deliver, SafetyAction.Hold, SafetyAction.Hold], verdicts);
    }

    /// <summary>Every core busy, a scanner just made (nothing warmed up): the verdicts are exactly those of a quiet machine.</summary>
    [Fact]
    public void Verdicts_do_not_change_with_the_machine_saturated()
    {
        string[] messages =
        [
            "We talked about the 3 goals for this week", "How was school today?", "Text me at 559-555-0134",
            "add me @sam_rivers", "we should meet up this weekend", "sometimes I want to die", "I live at 1234 West Shaw Ave",
            "x@" + string.Concat(Enumerable.Repeat("a.", 999)), string.Concat(Enumerable.Repeat("1 a ", 500)),
        ];
        var quiet = messages.Select(m => Scanner.Scan(m)).Select(v => (v.Action, v.Urgent, Kinds: string.Join(",", v.Findings.Select(f => f.Kind)))).ToList();

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var burners = Enumerable.Range(0, Environment.ProcessorCount * 4).Select(_ => new Thread(() =>
        {
            var spin = 0L;
            while (!stop.IsCancellationRequested)
            {
                spin++;
            }

            GC.KeepAlive(spin);
        }) { IsBackground = true }).ToList();
        burners.ForEach(t => t.Start());
        try
        {
            for (var round = 0; round < 5; round++)
            {
                var fresh = new SafetyScanner(SafetyOptions.Defaults());
                var loaded = messages.Select(m => fresh.Scan(m)).Select(v => (v.Action, v.Urgent, Kinds: string.Join(",", v.Findings.Select(f => f.Kind)))).ToList();
                Assert.Equal(quiet, loaded);
            }
        }
        finally
        {
            stop.Cancel();
            burners.ForEach(t => t.Join());
        }
    }

    [Theory]
    [InlineData(@"(?<!\d)\d{4}")]
    [InlineData(@"(a)\1")]
    [InlineData(@"(?>atomic)")]
    [InlineData(@"unclosed(")]
    public void A_pattern_the_scan_cannot_run_in_linear_time_is_refused_with_its_rule_named(string pattern)
    {
        var error = Assert.Throws<InvalidOperationException>(() => new SafetyScanner(new SafetyOptions { Flag = [new SafetyRule { Kind = "custom-rule", Pattern = pattern }] }));

        Assert.Contains("Chat:Safety:Flag rule 'custom-rule'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("call 559\u034F555\u034F0134", "phone-number")]
    [InlineData("my sn\u034Fapchat is mia", "social-handle")]
    [InlineData("find me @\u034Fmia_k", "social-handle")]
    [InlineData("ex\uFE0Fample.com", "link")]
    [InlineData("ｓｎａｐ me", "social-handle")]
    [InlineData("ｍｉａ＠ｍａｉｌ．ｃｏｍ", "email-address")]
    [InlineData("５５９-５５５-０１３４", "phone-number")]
    [InlineData("sn\u3164apchat mia", "social-handle")]
    [InlineData("tik\U000E0041tok", "social-handle")]
    [InlineData("\u0455n\u0430pchat mia", "social-handle")]
    [InlineData("t\u0435l\u0435gr\u0430m", "social-handle")]
    [InlineData("559\u180E555\u061C0134", "phone-number")]
    [InlineData("\U0001D42C\U0001D427\U0001D41A\U0001D429 me", "social-handle")]
    [InlineData("ⓢⓝⓐⓟ me", "social-handle")]
    [InlineData("⑤⑤⑨-⑤⑤⑤-⓪①③④", "phone-number")]
    [InlineData("❺❺❾ ❺❺❺ ⓿❶❸❹", "phone-number")]
    [InlineData("⑸⑸⑼.⑸⑸⑸.⑴⑴⑶⑷", "phone-number")]
    [InlineData("🄆🄆🄊 🄆🄆🄆 🄁🄂🄄🄅", "phone-number")]
    [InlineData("ℐnstagram mia", "social-handle")]
    [InlineData("t\u2170ktok", "social-handle")]
    [InlineData("\u217E\u2170scor\u217E", "social-handle")]
    [InlineData("call 559 555 O134", "phone-number")]
    [InlineData("5 5 9 5 5 5 O 1 3 4", "phone-number")]
    [InlineData("559 555 0i34", "phone-number")]
    [InlineData("559-555-0|34", "phone-number")]
    [InlineData("559 555 oo12", "phone-number")]
    [InlineData("snap lol99x", "social-handle")]
    [InlineData("559-555-Ol34", "phone-number")]
    [InlineData("5595550I34", "phone-number")]
    [InlineData("ｃａｌｌ ５５９ ５５５ Ｏ１３４", "phone-number")]
    [InlineData("add me on snápchat", "social-handle")]
    [InlineData("add me on snạpchat", "social-handle")]
    [InlineData("snǎpchat riley", "social-handle")]
    [InlineData("add me on snɑpchat", "social-handle")]
    [InlineData("ᏚNᎪPCᎻᎪᎢ riley", "social-handle")]
    [InlineData("add me on sոapcհat", "social-handle")]
    [InlineData("add me on snaƥchat", "social-handle")]
    [InlineData("tiktǫk riley", "social-handle")]
    [InlineData("tíktok: riley", "social-handle")]
    [InlineData("ꜱɴᴀᴘᴄʜᴀᴛ riley", "social-handle")]
    [InlineData("🅂🄽🄰🄿🄲🄷🄰🅃", "social-handle")]
    [InlineData("⒮⒩⒜⒫⒞⒣⒜⒯", "social-handle")]
    [InlineData("ˢⁿᵃᵖᶜʰᵃᵗ", "social-handle")]
    [InlineData("ᴵᴺˢᵀᴬᴳᴿᴬᴹ", "social-handle")]
    [InlineData("my ᴵᴳ: riley.xo", "social-handle")]
    [InlineData("ₛₙₐₚcₕₐₜ riley", "social-handle")]
    [InlineData("add me on s\u00A0n\u00A0a\u00A0p\u00A0c\u00A0h\u00A0a\u00A0t", "social-handle")]
    [InlineData("add me on s   n   a   p   c   h   a   t", "social-handle")]
    [InlineData("add me on s\nn\na\np\nc\nh\na\nt", "social-handle")]
    [InlineData("s/n/a/p/c/h/a/t riley", "social-handle")]
    [InlineData("s,n,a,p,c,h,a,t riley", "social-handle")]
    [InlineData("s~n~a~p~c~h~a~t riley", "social-handle")]
    [InlineData("s_n_a_p_c_h_a_t riley22", "social-handle")]
    [InlineData("s🔥n🔥a🔥p🔥c🔥h🔥a🔥t riley", "social-handle")]
    [InlineData("riley22@gmail.c0m", "link")]
    public void Contact_details_disguised_with_look_alike_or_invisible_characters_are_still_held(string text, string kind)
    {
        var verdict = Scanner.Scan(text);

        Assert.Equal(SafetyAction.Hold, verdict.Action);
        Assert.Contains(verdict.Findings, f => f.Kind == kind);
    }

    [Fact]
    public void Crisis_language_in_full_width_letters_is_still_urgent()
    {
        Assert.True(Scanner.Scan("ｉ ｗａｎｔ ｔｏ ｄｉｅ").Urgent);
    }

    [Theory]
    [InlineData("Привет, как дела?")]
    [InlineData("¿Cómo estás? ❤️ 👨‍👩‍👧")]
    [InlineData("ありがとう")]
    [InlineData("gracias.🇨🇴 see you soon")]
    public void Ordinary_text_in_other_scripts_and_emoji_goes_through(string text)
    {
        Assert.Equal(SafetyAction.Deliver, Scanner.Scan(text).Action);
    }

    [Fact]
    public void Rules_come_from_configuration()
    {
        var scanner = new SafetyScanner(new SafetyOptions { Hold = [new SafetyRule { Kind = "code-word", Pattern = @"\bpineapple\b" }] });

        Assert.Equal(SafetyAction.Hold, scanner.Scan("pineapple").Action);
        Assert.Equal(SafetyAction.Deliver, scanner.Scan("call 559-555-0134").Action);
    }
}

public sealed class MessageTextTests
{
    [Theory]
    [InlineData("hello", "hello")]
    [InlineData("  padded  ", "padded")]
    [InlineData("call\u200B 559\u200D555", "call 559555")]
    [InlineData("evil\u202Etxt.exe", "eviltxt.exe")]
    [InlineData("isolate\u2066d\u2069", "isolated")]
    [InlineData("<b>bold</b>", "<b>bold</b>")]
    [InlineData("line one\nline two", "line one\nline two")]
    public void Hidden_characters_are_removed_and_the_rest_kept_as_text(string input, string expected)
    {
        Assert.Equal(expected, MessageText.Clean(input).Text);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\u200B\u200B")]
    public void An_empty_message_is_refused(string? input)
    {
        Assert.Equal("A message needs some text.", MessageText.Clean(input).Problem);
    }

    [Fact]
    public void Broken_UTF16_and_oversized_messages_are_refused()
    {
        Assert.NotNull(MessageText.Clean("bad " + (char)0xD800 + " text").Problem);
        Assert.NotNull(MessageText.Clean("bad " + (char)0xDC00).Problem);
        Assert.NotNull(MessageText.Clean(new string('a', MessageText.MaxLength + 1)).Problem);
        Assert.Null(MessageText.Clean(new string('a', MessageText.MaxLength)).Problem);
        Assert.Null(MessageText.Clean("emoji 😀 ok").Problem);
    }
}
