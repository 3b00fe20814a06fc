namespace SurvivorConnect.Api.Features.Notifications;

/// <summary>
/// Every notice SurvivorConnect sends, in plain, calm words (PRODUCT.md: choices offered, never demanded;
/// a decline or an ended match never shown as failure). Handlers name a notice; they never write text.
/// </summary>
public static class Notices
{
    /// <summary>Said wherever a match is shown: the chat is read by the case manager (PRODUCT.md rule 5).</summary>
    public const string MatchOversight = "Your case manager can read the messages in this match's chat, to keep everyone safe.";

    public static Notice MatchProposedToMentor { get; } = new("match-proposed",
        "A case manager has proposed a mentoring match for you. You can accept or decline; declining needs no reason and costs you nothing.");

    public static Notice MentorAcceptedToCaseManager { get; } = new("match-awaitingyouth",
        "The mentor accepted the match. It now waits for the youth's agreement.");

    public static Notice MentorAcceptedNoLongerFitsToCaseManager { get; } = new("match-awaitingcasemanager",
        "The mentor accepted a match that no longer fits what the youth asked for, so it has not been shown to the youth. Look at it on Matches: put it to the youth once it fits, or close it.");

    public static Notice HeldMatchNeedsCaseManager { get; } = new("match-awaitingcasemanager",
        "A mentor's yes to a match waits for a case manager's decision, and the youth has no active case manager. Give the youth one under Caseload; they will be able to decide on it under Matches.");

    public static Notice MentorAcceptedToYouth { get; } = new("match-awaitingyouth",
        "A mentor would like to be matched with you. It is your choice: you can say yes or no, now or later.");

    public static Notice MentorRestingToCaseManager { get; } = new("match-mentor-resting",
        "A mentor you proposed is not taking new matches for now, so they cannot say yes to this proposal. Close it to propose someone else, or wait until they take new matches again.");

    public static Notice MentorLeftToCaseManager { get; } = new("match-mentor-left",
        "A mentor in a match on your caseload can no longer take part in it, or write in its chat. The youth may need you now, and perhaps another mentor.");

    public static Notice YouthLeftToCaseManager { get; } = new("match-youth-left",
        "A youth in a match on your caseload can no longer take part in it, or read or write in its chat. Reach them another way if they need you.");

    public static Notice MentorDeclinedToCaseManager { get; } = new("match-declined",
        "The mentor declined the match. No reason is needed; you can propose another mentor.");

    public static Notice YouthDeclinedToCaseManager { get; } = new("match-declined", "The youth said no to the match.");

    public static Notice YouthDeclinedToMentor { get; } = new("match-declined", "This match will not go ahead.");

    public static Notice YouthAgreedActiveToCaseManager { get; } = new("match-active", "The youth agreed; the match is active.");

    public static Notice YouthAgreedAwaitingConsentToCaseManager { get; } = new("match-awaitingconsent",
        "The youth agreed; the match waits for the consent the agency's policy requires.");

    public static Notice YouthAgreedAwaitingConsentToMentor { get; } = new("match-awaitingconsent",
        "The youth agreed to the match. It starts once every consent is in place.");

    public static Notice MatchAgreedForYou { get; } = new("match-agreed-for-you",
        "Your case manager recorded that you agreed to a match with a mentor. If you did not agree, you can say no or end it on Matches, or tell your case manager. It is your choice, now or later.");

    public static Notice MatchAgreedUnderEarlierSignIn { get; } = new("match-agreed-earlier-sign-in",
        "A yes to a match with a mentor was given from an earlier sign-in of yours. If it was not you, you can say no or end it on Matches, or tell your case manager. It is your choice, now or later.");

    public static Notice MatchActive { get; } = new("match-active", "Your match is active. " + MatchOversight);

    public static Notice MatchPaused { get; } = new("match-paused", "Your match is paused for now.");

    public static Notice MatchClosedToMentor { get; } = new("match-closed", "Your match has been closed by the case manager.");

    public static Notice MatchClosedToYouth { get; } = new("match-closed", "Your match has been closed by your case manager.");

    public static Notice YouthEndedToCaseManager { get; } = new("match-closed", "The youth ended the match.");

    public static Notice YouthEndedToMentor { get; } = new("match-closed", "The youth has ended the match. Thank you for your time with them.");

    public static Notice MentorEndedToCaseManager { get; } = new("match-closed",
        "The mentor stepped back from a match on your caseload. The youth may need you now, and perhaps another mentor.");

    public static Notice MentorEndedToYouth { get; } = new("match-closed",
        "Your mentor cannot go on with your match. This is not because of anything you did. Your case manager will talk with you about what you would like next.");

    public static Notice ConsentRevokedToCaseManager { get; } = new("consent-revoked",
        "Consent for a match you coordinate was withdrawn. The match cannot be activated or resumed, and its chat is closed to new messages, until consent is given again.");

    public static Notice ConsentPolicyStoppedChat { get; } = new("consent-policy-stopped-chat",
        "Your agency's consent policy changed, and an active match you coordinate now needs a consent it does not have. Its chat is closed to new messages until that consent is recorded under Matches. The youth and mentor see only that consent is not in place: they may need to hear from you.");

    public static Notice ChatFlagUrgent { get; } = new("chat-urgent",
        "Urgent: a message in the mentoring chat of a youth on your caseload may mean someone is in danger. Please look at it now under Flags.");

    public static Notice ChatFlagUrgentWaiting { get; } = new("chat-urgent-waiting",
        "Urgent, still open: a message in the mentoring chat of a youth on your caseload may mean someone is in danger, and no one has dealt with it yet. Please look at it now under Flags.");

    public static Notice ChatFlagUrgentNeedsCaseManager { get; } = new("chat-flag-needs-case-manager",
        "Urgent: a message in a mentoring chat may mean someone is in danger, and no active case manager of the youth has dealt with it. Please reach one now, or hand the youth to a case manager who is available, under Case managers.");

    public static Notice ChatFlagNeedsCaseManager { get; } = new("chat-flag-needs-case-manager",
        "A flagged message in a mentoring chat is waiting for review, and the youth has no active case manager to look at it. Please hand the youth to a case manager who is available, under Case managers.");

    public static Notice ChatFlagged { get; } = new("chat-flagged",
        "A message in the mentoring chat of a youth on your caseload was flagged. It was delivered; please look at it under Flags.");

    public static Notice ChatUrgentNotSentByYouth { get; } = new("chat-urgent-unsent",
        "Urgent: a youth wrote words that may mean they are in danger in their mentoring chat, and they were not sent or kept (the chat was closed to messages, the message was too long, the writer's account or sign-in could no longer chat, or sending failed). Please reach the youth now.");

    public static Notice ChatUrgentNotSentByMentor { get; } = new("chat-urgent-unsent",
        "Urgent: a mentor wrote words that may mean someone is in danger in the mentoring chat of a youth on your caseload, and they were not sent or kept (the chat was closed to messages, the message was too long, the writer's account or sign-in could no longer chat, or sending failed). Please reach the mentor and the youth now.");

    public static Notice MentorChatUrgentToSupervisor { get; } = new("mentor-chat-urgent",
        "Urgent: a mentor you supervise wrote words in a mentoring chat that may mean they, or someone, are not safe. Please reach them now.");

    public static Notice MentorChatUrgentWithoutSupervisor { get; } = new("mentor-chat-urgent",
        "Urgent: a mentor with no active supervisor wrote words in a mentoring chat that may mean they, or someone, are not safe. Please reach them now, and assign them a supervisor.");

    public static Notice ChatMessageHeld { get; } = new("chat-held",
        "A message in the mentoring chat of a youth on your caseload is held for your review. It is delivered only if you release it, under Flags.");

    public static Notice CaseloadAdded { get; } = new("caseload-added", "A youth has been added to your caseload.");

    public static Notice MatchNeedsCaseManager { get; } = new("match-needs-case-manager",
        "A youth's mentoring match needs their case manager (a step, an ending or a consent to act on), and the youth has no active case manager. Please hand them to a case manager who can act, under Case managers; the match shows what happened.");

    public static Notice YouthNeedsAnAdmin { get; } = new("youth-needs-an-admin",
        "A youth needs an admin: please look under Case managers and hand them to a case manager who can reach them.");

    public static Notice YouthNeedCaseManager { get; } = new("youth-need-case-manager",
        "A case manager was deactivated or changed role, and some youth now have no active case manager. Please hand them to someone who can act, under Case managers.");

    public static Notice EngagementInvited { get; } = new("engagement-invited",
        "You are invited to a paid engagement. Look at it when you like; you can say yes or no, and saying no changes nothing for later invitations.");

    public static Notice EngagementSeatFreed { get; } = new("engagement-confirmed",
        "A place opened up and it is yours: you are now confirmed for a paid engagement you were waiting for.");

    public static Notice EngagementCancelled { get; } = new("engagement-cancelled",
        "A paid engagement session you were confirmed for has been cancelled by the agency. If that came at short notice, your agency's late-cancellation rule says what you are paid; your claims show it.");

    public static Notice EngagementSeatGivenUp { get; } = new("engagement-seat-given-up",
        "Your place in paid engagement work has been given up, as you no longer take paid work here. This is not about anything you did, and your agency contact can tell you more. A session that was close is paid under your agency's late-cancellation rule; your payments show it once finance pays it.");

    public static Notice EngagementPlaceCancelled { get; } = new("engagement-place-cancelled",
        "The agency has cancelled your place in a paid engagement session; your paid work page says which. This is not about anything you did, and your agency contact can tell you more. If it came at short notice, your agency's late-cancellation rule says what you are paid; your claims show it.");

    public static Notice EngagementPlaceRestored { get; } = new("engagement-place-restored",
        "Good news: the agency has given you back your place in a paid engagement session it had cancelled. Your paid work page has the details. If you can no longer come, you can withdraw there.");

    public static Notice TeamMeetingScheduled { get; } = new("team-meeting",
        "Your team has a meeting coming up. On My team you can see when and what about, and tell them what you want them to know, in your own words.");

    public static Notice TeamMeetingChanged { get; } = new("team-meeting-changed",
        "A meeting of your team has changed. My team shows when it is now and what it is about; anything you sent the team for it still reaches them.");

    public static Notice TeamMeetingCancelled { get; } = new("team-meeting-cancelled",
        "A meeting of your team has been cancelled. My team shows which. Anything you sent the team for it stays with them, and your case manager can tell you more.");

    public static Notice EngagementAttendanceRecorded { get; } = new("engagement-attendance-recorded",
        "Thank you for taking part. Your paid session is recorded and your claim is on your paid work page. If it allows travel, add your costs there soon: once finance approves its payment they can no longer be added.");

    public static Notice EngagementRecordedAbsent { get; } = new("engagement-recorded-absent",
        "One of your paid sessions is recorded as one you did not come to, so it is not paid. Your paid work page says which. If you were there, tell your agency contact: it can be put right until it goes to finance.");

    public static Notice EngagementClaimLowered { get; } = new("engagement-claim-lowered",
        "What the agency recorded of one of your paid sessions has been changed, and the claim now pays less. Your paid work page shows it as it stands. If it is wrong, tell your agency contact: it can be put right until it goes to finance for payment.");

    /// <summary>Sent from 24 hours before, which may be later the same day (work confirmed that morning): never "tomorrow".</summary>
    public static Notice EngagementReminderDay { get; } = new("engagement-reminder",
        "A reminder: you have a paid session within the next day. The time and details are in your portal. If you can no longer come, you can withdraw there.");

    public static Notice EngagementReminderHour { get; } = new("engagement-reminder",
        "A reminder: your paid session starts in about an hour. The details are in your portal.");

    public static Notice EngagementChanged { get; } = new("engagement-changed",
        "The time, place or pay of paid work you were asked to, or have a place in, has changed. The details are in your portal.");

    public static Notice PayoutFailed { get; } = new("payout-failed",
        "A payout could not be paid (Stripe refused it, or the bank returned it). It is on the finance page under failures; nothing is sent again by itself.");

    public static Notice PayoutToPayOutside { get; } = new("payout-outside",
        "A payee chose to be paid by check or prepaid card, so an approved payout that was waiting for their Stripe account is to be paid that way now. It is on the finance page under payouts to pay.");

    public static Notice PayoutPaidOutsideRecorded { get; } = new("payout-paid-outside",
        "A payout large enough to need two approvers was recorded as paid by check or prepaid card. Its reference is on the finance page, among payouts paid.");

    /// <summary>To finance: names nobody; the finance page lists whose pay it is.</summary>
    public static Notice PayChangeToCheck { get; } = new("pay-change",
        "Someone's way of being paid changed to a new bank account or card through Stripe. Nothing is sent to it until you check the change with them by phone or in person, on the finance page under changes to check.");

    public static Notice YourPayChanged { get; } = new("pay-change",
        "How you are paid changed. Before any money goes the new way, your agency's finance team will check the change with you by phone or in person. If you did not make it, tell your agency now.");

    public static Notice PayoutComingAnotherWay { get; } = new("payout-another-way",
        "A payment to you will not come through Stripe: your agency's finance team will pay it another way, and tell you how. Your payments page shows what it is for. If you did not expect this, ask your agency.");

    public static Notice PayoutSent { get; } = new("payout-sent",
        "A payment to you is on its way. Your payments page shows what it is for, line by line.");

    public static Notice WellbeingUrgent { get; } = new("wellbeing-urgent",
        "Urgent: a mentor you supervise gave an urgent answer in a wellbeing check-in. Please reach out to them now. They are held from new matches until you review it.");

    public static Notice WellbeingUrgentWaiting { get; } = new("wellbeing-urgent",
        "Urgent, still waiting: an urgent concern about a mentor you supervise (an answer in their wellbeing check-in, or their own words in a mentoring chat) has not been seen for over an hour. Please reach out to them now.");

    /// <summary>To the admins: names no mentor and says nothing of the answer; the Supervisors page lists whom it is about.</summary>
    public static Notice WellbeingUrgentUnseen { get; } = new("mentor-needs-supervisor",
        "Urgent: an urgent concern about a mentor (an answer in their wellbeing check-in, or their own words in a mentoring chat) has waited over two hours without their supervisor seeing it. Please reach that supervisor now, or, under Supervisors, give the mentor another supervisor, who will be told to reach out to them.");

    /// <summary>To the admins: names no mentor and says nothing of the answers; the Supervisors page lists whom it is about.</summary>
    public static Notice WellbeingConcernUnseen { get; } = new("mentor-needs-supervisor",
        "A concern about a mentor's wellbeing (from their check-ins, or check-ins they missed) has waited a week without their supervisor seeing it. Please reach that supervisor, or, under Supervisors, give the mentor another supervisor.");

    public static Notice MentorNeedsSupervisor { get; } = new("mentor-needs-supervisor",
        "A mentor has no active supervisor, and their wellbeing check-ins need one now. Please give them a supervisor, under Supervisors; what needs them waits for whoever you choose.");

    public static Notice MentorNeedsSupervisorUrgent { get; } = new("mentor-needs-supervisor",
        "Urgent: a mentor with no active supervisor has an urgent concern waiting (an answer in their wellbeing check-in, or their own words in a mentoring chat). Please give them a supervisor now, under Supervisors, who will be told to reach out to them.");

    public static Notice MentorsNeedSupervisor { get; } = new("mentor-needs-supervisor",
        "A supervisor was deactivated or changed role, and some mentors now have no active supervisor, so nobody reads their wellbeing check-ins. Please give them a supervisor, under Supervisors.");

    public static Notice WellbeingConcern { get; } = new("wellbeing-concern",
        "A mentor you supervise may be carrying a lot right now. Their wellbeing check-in raised a concern for you to look at.");

    public static Notice WellbeingConcernGrown { get; } = new("wellbeing-concern",
        "A mentor you supervise may still be carrying a lot: a later wellbeing check-in raised a concern again, on a flag you have not opened yet.");

    public static Notice WellbeingMissed { get; } = new("wellbeing-missed",
        "A mentor you supervise has missed wellbeing check-ins: two in a row, or one they were asked for after something hard in their mentoring, unanswered for a week. A gentle check-in from you may help.");

    public static Notice WellbeingCheckInDueSoon { get; } = new("wellbeing-check-in-due",
        "Your regular wellbeing check-in comes up in the next two days. It takes a few minutes, and only you and your supervisor see your answers. If now is not a good time, tell your supervisor.");

    public static Notice WellbeingCheckInRequested { get; } = new("wellbeing-check-in",
        "Something hard may have happened in your mentoring. When you are ready, a short wellbeing check-in is waiting for you. Look after yourself.");

    public static Notice MatchConsentPolicyLoosened { get; } = new("agency-consent-policy-loosened",
        "Another admin changed your agency's matches of minors to need fewer consents, and the change has taken effect. If it was not agreed, look under Agency settings and the audit log.");

    public static Notice YouthProtectedLess { get; } = new("youth-protected-less",
        "A case manager changed a youth's record so that it protects them less: they recorded the youth as an adult, so the youth's matches no longer need a guardian's or the agency's consent, or took someone off the youth's do-not-match list. If you did not expect this, look at the youth's record and the audit log.");

    public static Notice KeptSignInSought { get; } = new("kept-sign-in-sought",
        "An agency admin who is kept from a youth (on their do-not-match list, or their mentor) tried to add that youth's sign-in as a new person, and was refused. Unless it was a mistake, they may be looking for the youth: think with the youth about their safety, and ask another admin to look in the audit log.");

    public static Notice ReportThresholdLowered { get; } = new("agency-report-threshold-lowered",
        "Another admin lowered the smallest group your agency's outcome reports show, so smaller groups are shown now. If it was not agreed, look under Agency settings and the audit log.");

    public static Notice AgencyAdminGranted { get; } = new("agency-admin-granted",
        "Someone in your agency was given the agency admin role, or an admin was given access back. Admins can change anyone's access, so check on the People page that you expected this.");

    public static Notice AgencyAdminRemoved { get; } = new("agency-admin-removed",
        "An agency admin lost the admin role, or was deactivated. If it was not agreed, look on the People page and in the audit log now.");

    public static Notice AgencyAdminSignedOut { get; } = new("agency-admin-signed-out",
        "An agency admin was signed out on every device by another admin. If it was not agreed, look on the People page and in the audit log now.");

    public static Notice RecordRoleGranted { get; } = new("record-role-granted",
        "Someone in your agency was given a role that reads youth's or mentors' records (case manager, supervisor or partner professional). Check on the People page that you expected this.");

    public static Notice FinanceRoleGranted { get; } = new("finance-role-granted",
        "Someone in your agency was given the finance approver role, which approves payouts. Check on the People page that you expected this.");

    public static Notice PayoutPolicyLoosened { get; } = new("payout-policy-loosened",
        "Another admin raised the amount from which a payout needs two approvers, or changed your agency's per diem rates. If it was not agreed, look under Payout settings and the audit log.");

    public static Notice SupervisionAlertsChanged { get; } = new("supervision-alerts-changed",
        "An admin changed how mentors' check-ins are scored (the check-in they answer, or how far their scores may fall before a concern is raised): a mentor's strain may now reach their supervisor later. If it was not agreed, an admin can see the settings, and who changed them, under Supervision settings and in the audit log.");

    public static Notice EngagementPayLowered { get; } = new("engagement-pay-lowered",
        "Another admin lowered what your agency's paid work is held to: a kind of work's benchmark hourly rate, or what late cancellations or receipts are paid. Survivors are paid at parity with other professionals; if it was not agreed, look under Engagement settings and the audit log.");

    public static Notice CrisisLinesChanged { get; } = new("agency-crisis-lines-changed",
        "Another admin changed the crisis lines youth and mentors are shown first. Check every number under Agency settings now; if it was not agreed, look in the audit log.");

    public static Notice AgencyTimeZoneChanged { get; } = new("agency-time-zone-changed",
        "Another admin changed your agency's time zone, which sets the days and months of reports, payments and check-ins. If it was not agreed, look under Agency settings and the audit log.");

    public static Notice PartnershipProposed { get; } = new("partnership-proposed",
        "Another agency has proposed a partnership with yours, so youth on shared teams can choose to share records. You can accept or decline it on the Partnerships page.");

    public static Notice PartnershipAccepted { get; } = new("partnership-accepted",
        "A partner agency accepted your agency's partnership. Youth can now choose to share records with it.");

    public static Notice PartnerOfferChanged { get; } = new("partnership-offer-changed",
        "A partner agency changed which of its professionals it offers for youth's teams. See who is offered on the Partnerships page.");

    public static Notice PartnershipEnded { get; } = new("partnership-ended",
        "A partner agency ended its partnership with your agency. Nothing is shared under it any more.");

    public static Notice AddedToPartnerTeam { get; } = new("team-partner",
        "A partner agency added you to a youth's team. What the youth chooses to share with your agency is under Shared with you.");

    public static Notice AddedToTeam { get; } = new("team-member",
        "You were added to a youth's team. You can read it under Teams.");

    public static Notice PartnerJoinedYourTeam { get; } = new("team-partner-joined",
        "Someone from a partner agency has joined your team. They can read what you share with their agency: My team shows what that is, and you can stop it there at any time.");

    public static Notice ProfessionalJoinedYourTeam { get; } = new("team-professional-joined",
        "Someone from your agency has joined your team. They can read your plan, your safety plan and your team's meetings: My team shows who is on it. If you are not happy with that, tell your case manager.");

    public static Notice SupportToAgree { get; } = new("team-support",
        "Your case manager has asked whether someone should join your team as a support. It is your choice: see My team.");

    public static Notice SupportPutBack { get; } = new("team-support-put-back",
        "A youth on your caseload put someone they had said no to back on their team. Look at their team: if that should not be, talk it through with them, and take them off if need be.");

    public static Notice SharingGivenUnderEarlierSignIn { get; } = new("sharing-earlier-sign-in",
        "Agreement to share some of your records with a partner agency was given from an earlier sign-in of yours. My team shows what is shared and with whom, and you can stop it there at any time.");

    public static Notice SharingRecordedForYou { get; } = new("sharing-recorded",
        "Your case manager recorded that you agreed to share some of your records with a partner agency. My team shows what is shared and with whom, and you can stop it there at any time.");
}
