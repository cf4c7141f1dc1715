CREATE TYPE "public"."dataset_version_source" AS ENUM('upload', 'reference');--> statement-breakpoint
CREATE TYPE "public"."validation_status" AS ENUM('pass', 'warn', 'fail', 'none');--> statement-breakpoint
CREATE TABLE "dataset_rules" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"spec" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dataset_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"dataset_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"source" "dataset_version_source" NOT NULL,
	"uri" text NOT NULL,
	"sha256" text NOT NULL,
	"size_bytes" bigint,
	"row_count" bigint,
	"filename" text,
	"columns" jsonb,
	"profile" jsonb,
	"sample_uri" text,
	"validation_status" "validation_status" NOT NULL,
	"validation" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dataset_versions_number_key" UNIQUE("dataset_id","version"),
	CONSTRAINT "dataset_versions_digest_key" UNIQUE("dataset_id","sha256"),
	CONSTRAINT "dataset_versions_version_positive" CHECK ("dataset_versions"."version" > 0),
	CONSTRAINT "dataset_versions_sha256_format" CHECK ("dataset_versions"."sha256" ~ '^[0-9a-f]{64}$')
);
--> statement-breakpoint
CREATE TABLE "datasets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "datasets_project_id_id_key" UNIQUE("project_id","id"),
	CONSTRAINT "datasets_name_format" CHECK ("datasets"."name" ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' and "datasets"."name" not like '%..%')
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "dataset_rules" ADD CONSTRAINT "dataset_rules_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_rules" ADD CONSTRAINT "dataset_rules_dataset_fk" FOREIGN KEY ("project_id","dataset_id") REFERENCES "public"."datasets"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dataset_versions" ADD CONSTRAINT "dataset_versions_dataset_fk" FOREIGN KEY ("project_id","dataset_id") REFERENCES "public"."datasets"("project_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "datasets" ADD CONSTRAINT "datasets_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "dataset_rules_dataset_idx" ON "dataset_rules" USING btree ("dataset_id","created_at");--> statement-breakpoint
CREATE INDEX "dataset_versions_project_idx" ON "dataset_versions" USING btree ("project_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "datasets_project_name_key" ON "datasets" USING btree ("project_id",lower("name"));--> statement-breakpoint
CREATE INDEX "api_tokens_user_idx" ON "api_tokens" USING btree ("user_id","created_at");