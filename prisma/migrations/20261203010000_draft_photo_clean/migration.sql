-- Issue #17: the cleaned (EXIF/GPS removed) copy and thumbnail of each photo of a draft.
ALTER TABLE "DraftPhoto" ADD COLUMN "cleanSha256" TEXT;
ALTER TABLE "DraftPhoto" ADD COLUMN "thumbSha256" TEXT;
ALTER TABLE "DraftPhoto" ADD COLUMN "width" INTEGER;
ALTER TABLE "DraftPhoto" ADD COLUMN "height" INTEGER;
