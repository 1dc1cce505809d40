-- Who sent each 处长审核 step that is older than ReviewStep.requestedByUserId: the account whose
-- audit event `review.send_for_review` created it (the event names the step). Separation of
-- duties on the 审批表 needs it for items already under review when the gateway is upgraded.
UPDATE "ReviewStep"
   SET "requestedByUserId" = (
     SELECT u."id" FROM "AuditEvent" a JOIN "User" u ON a."actor" = 'user:' || u."username"
      WHERE a."action" = 'review.send_for_review' AND json_extract(a."detail", '$.reviewStepId') = "ReviewStep"."id"
      ORDER BY a."id" LIMIT 1)
 WHERE "requestedByUserId" IS NULL AND "stage" = 'division_head';
