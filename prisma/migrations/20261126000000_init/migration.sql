-- CreateTable
CREATE TABLE "Division" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "fullName" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "headId" INTEGER,
    CONSTRAINT "Division_headId_fkey" FOREIGN KEY ("headId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Column" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "sortOrder" INTEGER NOT NULL DEFAULT 0,
    "sharedByAll" BOOLEAN NOT NULL DEFAULT false,
    "defaultDivisionId" INTEGER
);

-- CreateTable
CREATE TABLE "DivisionColumn" (
    "divisionId" INTEGER NOT NULL,
    "columnId" INTEGER NOT NULL,

    PRIMARY KEY ("divisionId", "columnId"),
    CONSTRAINT "DivisionColumn_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "DivisionColumn_columnId_fkey" FOREIGN KEY ("columnId") REFERENCES "Column" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoutingRule" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "columnId" INTEGER,
    "divisionId" INTEGER,
    "pattern" TEXT NOT NULL,
    "isRegex" BOOLEAN NOT NULL DEFAULT false,
    "weight" INTEGER NOT NULL DEFAULT 1,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "RoutingRule_columnId_fkey" FOREIGN KEY ("columnId") REFERENCES "Column" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "RoutingRule_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Person" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "title" TEXT,
    "leaderRank" TEXT,
    "email" TEXT,
    "divisionId" INTEGER,
    "inGroup" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Person_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "User" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "username" TEXT NOT NULL,
    "personId" INTEGER,
    "displayName" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "mustChangePassword" BOOLEAN NOT NULL DEFAULT false,
    "passwordChangedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "failedLogins" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" DATETIME,
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "lastLoginAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "User_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RoleGrant" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "userId" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "divisionId" INTEGER,
    CONSTRAINT "RoleGrant_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "RoleGrant_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Session" (
    "sid" TEXT NOT NULL PRIMARY KEY,
    "data" TEXT NOT NULL,
    "expiresAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "SendingUnit" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "regionCode" TEXT,
    "parentId" INTEGER,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "SendingUnit_parentId_fkey" FOREIGN KEY ("parentId") REFERENCES "SendingUnit" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UnitAddress" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "unitId" INTEGER NOT NULL,
    "email" TEXT NOT NULL,
    "source" TEXT NOT NULL DEFAULT 'registry',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "UnitAddress_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "SendingUnit" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "UnitFax" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "unitId" INTEGER NOT NULL,
    "number" TEXT NOT NULL,
    "display" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "UnitFax_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "SendingUnit" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "InfoOfficer" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "unitId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "sex" TEXT,
    "age" INTEGER,
    "post" TEXT,
    "politicalStatus" TEXT,
    "phone" TEXT,
    "mobile" TEXT,
    "address" TEXT,
    "email" TEXT,
    "postcode" TEXT,
    "publications" TEXT,
    "unitOpinion" TEXT,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "sourceDraftId" INTEGER,
    "confirmedById" INTEGER,
    "confirmedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "InfoOfficer_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "SendingUnit" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Mailbox" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "uidValidity" BIGINT,
    "lastUid" INTEGER,
    "connected" BOOLEAN NOT NULL DEFAULT false,
    "lastPollAt" DATETIME,
    "lastError" TEXT,
    "backlog" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseUntil" DATETIME
);

-- CreateTable
CREATE TABLE "IntakeMessage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "mailboxId" INTEGER NOT NULL,
    "sourceKey" TEXT NOT NULL,
    "uidValidity" BIGINT,
    "uid" INTEGER,
    "file" TEXT,
    "messageId" TEXT,
    "sha256" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "rawPath" TEXT,
    "status" TEXT NOT NULL DEFAULT 'received',
    "outcome" TEXT,
    "errorCode" TEXT,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "fromAddress" TEXT,
    "subject" TEXT,
    "sentAt" DATETIME,
    "receivedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "processedAt" DATETIME,
    "draftId" INTEGER,
    "duplicateOfId" INTEGER,
    "quarantine" TEXT,
    CONSTRAINT "IntakeMessage_mailboxId_fkey" FOREIGN KEY ("mailboxId") REFERENCES "Mailbox" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "IntakeMessage_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "Draft" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Attachment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "intakeId" INTEGER NOT NULL,
    "partIndex" INTEGER NOT NULL,
    "filename" TEXT,
    "contentType" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "inline" BOOLEAN NOT NULL DEFAULT false,
    "contentId" TEXT,
    "extractMethod" TEXT,
    "extractStatus" TEXT NOT NULL DEFAULT 'pending',
    "extractError" TEXT,
    "text" TEXT,
    "confidence" REAL,
    "pageCount" INTEGER,
    CONSTRAINT "Attachment_intakeId_fkey" FOREIGN KEY ("intakeId") REFERENCES "IntakeMessage" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DocumentPage" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "attachmentId" INTEGER NOT NULL,
    "pageNo" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "confidence" REAL,
    "text" TEXT NOT NULL,
    "imageSha256" TEXT,
    CONSTRAINT "DocumentPage_attachmentId_fkey" FOREIGN KEY ("attachmentId") REFERENCES "Attachment" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Draft" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "important" BOOLEAN NOT NULL DEFAULT false,
    "unitId" INTEGER,
    "unitConfirmed" BOOLEAN NOT NULL DEFAULT false,
    "columnId" INTEGER,
    "divisionId" INTEGER,
    "receivedAt" DATETIME NOT NULL,
    "documentDate" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "publishedAt" DATETIME,
    "version" INTEGER NOT NULL DEFAULT 1,
    "duplicateOfId" INTEGER,
    "senderAddress" TEXT,
    "senderName" TEXT,
    "faxNumber" TEXT,
    "fingerprint" TEXT NOT NULL,
    "flags" TEXT NOT NULL DEFAULT '[]',
    "title" TEXT NOT NULL,
    "unitReason" TEXT NOT NULL,
    "columnReason" TEXT NOT NULL,
    "divisionReason" TEXT NOT NULL,
    "titleReason" TEXT,
    "bodyReason" TEXT,
    "dateReason" TEXT,
    "importantHint" TEXT,
    "screenNote" TEXT,
    "archivedReason" TEXT,
    "body" TEXT NOT NULL,
    "originalTitle" TEXT NOT NULL,
    "originalBody" TEXT NOT NULL,
    CONSTRAINT "Draft_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "SendingUnit" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Draft_columnId_fkey" FOREIGN KEY ("columnId") REFERENCES "Column" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "Draft_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "DraftRevision" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "draftId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "columnId" INTEGER,
    "divisionId" INTEGER,
    "unitId" INTEGER,
    "editedBy" TEXT NOT NULL,
    "note" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "DraftRevision_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "Draft" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ReviewStep" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "draftId" INTEGER NOT NULL,
    "stage" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "divisionId" INTEGER,
    "formDivision" TEXT NOT NULL,
    "formInfoAdmin" TEXT NOT NULL,
    "formTitle" TEXT NOT NULL,
    "formColumn" TEXT NOT NULL,
    "formSource" TEXT NOT NULL,
    "requestedBy" TEXT NOT NULL,
    "requestedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "approverPersonId" INTEGER,
    "decidedByLabel" TEXT,
    "decidedByUserId" INTEGER,
    "opinion" TEXT,
    "decidedAt" DATETIME,
    "channel" TEXT,
    CONSTRAINT "ReviewStep_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "Draft" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "ReviewStep_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ApprovalToken" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "reviewStepId" INTEGER NOT NULL,
    "personId" INTEGER NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "requestMessageId" TEXT,
    "expiresAt" DATETIME NOT NULL,
    "usedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ApprovalToken_reviewStepId_fkey" FOREIGN KEY ("reviewStepId") REFERENCES "ReviewStep" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "PublishedItem" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "draftId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "supersedesId" INTEGER,
    "columnId" INTEGER NOT NULL,
    "divisionId" INTEGER NOT NULL,
    "unitId" INTEGER,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "documentDate" DATETIME,
    "publishedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "publishedBy" TEXT NOT NULL,
    "publishedByUserId" INTEGER NOT NULL,
    "withdrawnAt" DATETIME,
    CONSTRAINT "PublishedItem_draftId_fkey" FOREIGN KEY ("draftId") REFERENCES "Draft" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "PublishedItem_columnId_fkey" FOREIGN KEY ("columnId") REFERENCES "Column" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "PublishedItem_divisionId_fkey" FOREIGN KEY ("divisionId") REFERENCES "Division" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "PublishedItem_unitId_fkey" FOREIGN KEY ("unitId") REFERENCES "SendingUnit" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "entityType" TEXT,
    "entityId" TEXT,
    "detail" TEXT NOT NULL DEFAULT '{}',
    "ip" TEXT,
    "prevHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL
);

-- CreateTable
CREATE TABLE "OutboundMail" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "toAddress" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "html" TEXT,
    "messageId" TEXT NOT NULL,
    "inReplyTo" TEXT,
    "draftId" INTEGER,
    "intakeId" INTEGER,
    "reviewStepId" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "nextAttemptAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" DATETIME,
    "emlPath" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "kind" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolvedAt" DATETIME
);

-- CreateIndex
CREATE UNIQUE INDEX "Division_name_key" ON "Division"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Column_name_key" ON "Column"("name");

-- CreateIndex
CREATE INDEX "RoutingRule_kind_enabled_idx" ON "RoutingRule"("kind", "enabled");

-- CreateIndex
CREATE UNIQUE INDEX "Person_email_key" ON "Person"("email");

-- CreateIndex
CREATE UNIQUE INDEX "User_username_key" ON "User"("username");

-- CreateIndex
CREATE UNIQUE INDEX "User_personId_key" ON "User"("personId");

-- CreateIndex
CREATE UNIQUE INDEX "RoleGrant_userId_role_divisionId_key" ON "RoleGrant"("userId", "role", "divisionId");

-- CreateIndex
CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "SendingUnit_name_key" ON "SendingUnit"("name");

-- CreateIndex
CREATE UNIQUE INDEX "UnitAddress_email_key" ON "UnitAddress"("email");

-- CreateIndex
CREATE UNIQUE INDEX "UnitFax_number_key" ON "UnitFax"("number");

-- CreateIndex
CREATE UNIQUE INDEX "Mailbox_name_key" ON "Mailbox"("name");

-- CreateIndex
CREATE INDEX "IntakeMessage_draftId_idx" ON "IntakeMessage"("draftId");

-- CreateIndex
CREATE INDEX "IntakeMessage_sha256_idx" ON "IntakeMessage"("sha256");

-- CreateIndex
CREATE INDEX "IntakeMessage_messageId_idx" ON "IntakeMessage"("messageId");

-- CreateIndex
CREATE INDEX "IntakeMessage_status_idx" ON "IntakeMessage"("status");

-- CreateIndex
CREATE UNIQUE INDEX "IntakeMessage_mailboxId_sourceKey_key" ON "IntakeMessage"("mailboxId", "sourceKey");

-- CreateIndex
CREATE INDEX "Attachment_intakeId_idx" ON "Attachment"("intakeId");

-- CreateIndex
CREATE UNIQUE INDEX "DocumentPage_attachmentId_pageNo_key" ON "DocumentPage"("attachmentId", "pageNo");

-- CreateIndex
CREATE INDEX "Draft_divisionId_status_receivedAt_idx" ON "Draft"("divisionId", "status", "receivedAt");

-- CreateIndex
CREATE INDEX "Draft_status_receivedAt_idx" ON "Draft"("status", "receivedAt");

-- CreateIndex
CREATE INDEX "Draft_receivedAt_idx" ON "Draft"("receivedAt");

-- CreateIndex
CREATE INDEX "Draft_unitId_receivedAt_idx" ON "Draft"("unitId", "receivedAt");

-- CreateIndex
CREATE INDEX "Draft_fingerprint_idx" ON "Draft"("fingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "DraftRevision_draftId_version_key" ON "DraftRevision"("draftId", "version");

-- CreateIndex
CREATE INDEX "ReviewStep_draftId_idx" ON "ReviewStep"("draftId");

-- CreateIndex
CREATE INDEX "ReviewStep_status_stage_idx" ON "ReviewStep"("status", "stage");

-- CreateIndex
CREATE UNIQUE INDEX "ApprovalToken_tokenHash_key" ON "ApprovalToken"("tokenHash");

-- CreateIndex
CREATE INDEX "PublishedItem_draftId_version_idx" ON "PublishedItem"("draftId", "version");

-- CreateIndex
CREATE INDEX "PublishedItem_publishedAt_idx" ON "PublishedItem"("publishedAt");

-- CreateIndex
CREATE INDEX "PublishedItem_columnId_publishedAt_idx" ON "PublishedItem"("columnId", "publishedAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_prevHash_key" ON "AuditEvent"("prevHash");

-- CreateIndex
CREATE UNIQUE INDEX "AuditEvent_hash_key" ON "AuditEvent"("hash");

-- CreateIndex
CREATE INDEX "AuditEvent_entityType_entityId_idx" ON "AuditEvent"("entityType", "entityId");

-- CreateIndex
CREATE INDEX "AuditEvent_action_at_idx" ON "AuditEvent"("action", "at");

-- CreateIndex
CREATE UNIQUE INDEX "OutboundMail_messageId_key" ON "OutboundMail"("messageId");

-- CreateIndex
CREATE INDEX "OutboundMail_status_nextAttemptAt_idx" ON "OutboundMail"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "OutboundMail_draftId_kind_idx" ON "OutboundMail"("draftId", "kind");

-- CreateIndex
CREATE INDEX "OutboundMail_intakeId_kind_idx" ON "OutboundMail"("intakeId", "kind");

