/** The shared frame of every mail: one HTML layout (inline styles, no remote assets) and a text footer. */
export const HTML_LAYOUT = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{subject}}</title>
<style>
  body { margin: 0; padding: 0; background: #f4f5f7; font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; color: #172b4d; }
  .frame { max-width: 560px; margin: 24px auto; background: #ffffff; border-radius: 8px; padding: 32px; line-height: 1.5; }
  .brand { font-weight: 700; font-size: 18px; margin-bottom: 24px; }
  a.button { display: inline-block; background: #0c66e4; color: #ffffff; padding: 10px 18px; border-radius: 6px; text-decoration: none; }
  .footer { max-width: 560px; margin: 0 auto 24px; font-size: 12px; color: #6b778c; text-align: center; }
</style>
</head>
<body>
<div class="frame">
<div class="brand">Groundwork</div>
{{{body}}}
</div>
<div class="footer">You receive this mail because of your Groundwork account.</div>
</body>
</html>`;

export const TEXT_LAYOUT = `{{{body}}}

--
Groundwork · You receive this mail because of your Groundwork account.`;
