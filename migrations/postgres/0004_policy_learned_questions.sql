CREATE TABLE "policy_learned_questions" (
	"entry_id" text NOT NULL,
	"question" text NOT NULL,
	"created_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "policy_learned_questions_entry_id_question_pk" PRIMARY KEY("entry_id","question")
);
--> statement-breakpoint
ALTER TABLE "policy_learned_questions" ADD CONSTRAINT "policy_learned_questions_entry_id_policy_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "public"."policy_entries"("id") ON DELETE no action ON UPDATE no action;