interface ServiceHealth {
  ok: boolean
  embedded: boolean
  detail: Record<string, unknown>
  error?: string
}

const tbody = document.querySelector<HTMLTableSectionElement>('#services')

function cell(text: string, className?: string): HTMLTableCellElement {
  const td = document.createElement('td')
  td.textContent = text
  if (className !== undefined) td.className = className
  return td
}

async function refresh(): Promise<void> {
  if (tbody === null) return
  try {
    const res = await fetch('/health')
    const report = (await res.json()) as { services: Record<string, ServiceHealth> }
    tbody.replaceChildren(
      ...Object.entries(report.services).map(([name, s]) => {
        const tr = document.createElement('tr')
        const detail = cell('')
        const code = document.createElement('code')
        code.textContent = s.error ?? JSON.stringify(s.detail)
        detail.append(code)
        tr.append(cell(`${name}${s.embedded ? ' (embedded)' : ''}`), cell(s.ok ? 'up' : 'down', s.ok ? 'ok' : 'down'), detail)
        return tr
      }),
    )
  } catch (err) {
    const tr = document.createElement('tr')
    const td = cell(`Cannot reach the node: ${err instanceof Error ? err.message : String(err)}`, 'down')
    td.colSpan = 3
    tr.append(td)
    tbody.replaceChildren(tr)
  }
}

void refresh()
setInterval(() => void refresh(), 5000)
