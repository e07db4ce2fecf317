const http2=require('http2'),fs=require('fs'),zlib=require('zlib');
const s=http2.createSecureServer({key:fs.readFileSync('key.pem'),cert:fs.readFileSync('cert.pem'),allowHTTP1:true});
s.on('keylog',l=>fs.appendFileSync('srv.keys',l));
s.on('stream',(st,h)=>{
  const p=h[':path'];
  if(p==='/push'){ st.pushStream({':path':'/pushed.css'},(e,ps)=>{ if(!e){ps.respond({':status':200,'content-type':'text/css'});ps.end('body{color:red}');}}); st.respond({':status':200});st.end('main page');return;}
  if(p==='/gzip'){ st.respond({':status':200,'content-encoding':'gzip','content-type':'text/plain'}); st.end(zlib.gzipSync('hello gzip '.repeat(500)));return;}
  if(p==='/slow'){ st.respond({':status':200}); let i=0; const t=setInterval(()=>{ if(st.destroyed){clearInterval(t);return;} st.write('x'.repeat(10000)); if(++i>50){clearInterval(t);st.end();}},50); return;}
  if(p==='/sse'){ st.respond({':status':200,'content-type':'text/event-stream'}); st.write('id: 1\ndata: one\n\n'); setTimeout(()=>{st.write('event: up\ndata: two\ndata: three\n\n'); st.end('data: last\n\n');},100); return;}
  if(h[':method']==='POST'){ let n=0; st.on('data',d=>n+=d.length); st.on('end',()=>{st.respond({':status':201}); st.end('got '+n);}); return;}
  st.respond({':status':200,'content-type':'text/plain'}); st.end('hello h2');
});
s.listen(19443,'127.0.0.1');
