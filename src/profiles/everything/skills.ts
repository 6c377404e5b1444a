import type { McpServer } from "../../server/server.ts";

/**
 * The skills the conformance suite's sep-2640-* scenarios exercise (SEP-2640): one with
 * supporting files in nested directories (the first listed, so directory reads find
 * subdirectories), one under an organizational prefix, with a license and metadata.
 */
export function registerSkills(server: McpServer): void {
  server
    .skill("pdf-processing", {
      description: "Extract, fill, and assemble PDF documents",
      frontmatter: { metadata: { version: "2.1.0" } },
      instructions: [
        "# PDF processing",
        "",
        "1. Read `references/FORMS.md` for the form fields you may fill.",
        "2. Run `scripts/extract.py` to pull the text out of a PDF.",
        "3. Pick a template from `templates/` (regional variants in `templates/regional/`).",
        "",
      ].join("\n"),
      files: {
        "references/FORMS.md": "# Forms\n\nFields: name, address, amount.\n",
        "scripts/extract.py": 'import sys\n\nprint(open(sys.argv[1], "rb").read()[:100])\n',
        "templates/invoice.md": "# Invoice\n\nAmount: {{amount}}\n",
        "templates/purchase-order.md": "# Purchase order\n\nItems: {{items}}\n",
        "templates/regional/eu-invoice.md": "# EU invoice\n\nVAT: {{vat}}\n",
      },
    })
    .skill("refunds", {
      prefix: "acme/billing",
      description: "Process customer refund requests per company policy",
      frontmatter: { license: "Apache-2.0" },
      instructions: "# Refunds\n\nAnswer the customer with `examples/email.md` as a model.\n",
      files: { "examples/email.md": "Dear customer,\n\nYour refund of {{amount}} is on its way.\n" },
    });
}
